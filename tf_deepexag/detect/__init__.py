"""Step 1 of the pipeline: photo -> faces with 68 iBUG landmarks."""

from tf_deepexag.detect.landmarker import (DETECTORS, FACE_POLICIES, Face,
                                           FaceLandmarker, NoFaceError,
                                           select_faces)

__all__ = ["DETECTORS", "FACE_POLICIES", "Face", "FaceLandmarker", "NoFaceError", "select_faces"]
