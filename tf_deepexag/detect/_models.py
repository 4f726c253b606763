"""The detectors and the 68-point predictor, loaded once per process, lazily.

Every model ships inside an installed package (MTCNN's weights in `mtcnn/assets`,
dlib's HOG detector compiled into `dlib`, the 68-point predictor in
`face_recognition_models`); nothing is downloaded.
"""

import threading

_LOCK = threading.Lock()
_CACHE = {}


def _cached(name, build):
    with _LOCK:
        if name not in _CACHE:
            _CACHE[name] = build()
        return _CACHE[name]


def mtcnn():
    """The MTCNN cascade (P-Net, R-Net, O-Net) with its 5-point head."""
    def build():
        from mtcnn import MTCNN  # pylint: disable=g-import-not-at-top
        return MTCNN(stages="face_and_landmarks_detection", device="CPU:0")
    return _cached("mtcnn", build)


def hog():
    """dlib's frontal HOG + linear SVM face detector."""
    def build():
        import dlib  # pylint: disable=g-import-not-at-top
        return dlib.get_frontal_face_detector()
    return _cached("hog", build)


def predictor():
    """dlib's 68-point shape predictor (Kazemi & Sullivan 2014, trained on iBUG 300-W)."""
    def build():
        import dlib  # pylint: disable=g-import-not-at-top
        import face_recognition_models  # pylint: disable=g-import-not-at-top
        return dlib.shape_predictor(face_recognition_models.pose_predictor_model_location())
    return _cached("predictor", build)


def clear():
    """Forgets the loaded models (tests use it to check what loading does)."""
    with _LOCK:
        _CACHE.clear()
