"""The web app's one adapter onto the caricature pipeline.

Every call from `tf_deepexag.app` into the library (building the stages,
running a photo, drawing the panels, the list of styles) is in this module,
so when the pipeline's home or signature changes only this file follows.

The `Engine` builds the detector, the geometry model and every offered
stylizer once, and shares them between requests; it is not thread-safe
(the server runs one request at a time through it).

Shapes: H, W image size; N = 68 landmarks.
"""

import dataclasses
import time

from absl import logging
import numpy as np

FACE_MODES = ("largest", "all")


@dataclasses.dataclass(frozen=True)
class Sample:
    """One sample's four panels, uint8 RGB, and its morph when asked for.

    Attributes:
        caricature: `(H, W, 3)`: the styled face crop, or the whole photo with
            every face pasted back when faces="all".
        photo: `(S, S, 3)` face crop with its landmarks drawn (green).
        landmarks: `(S, S, 3)` photo (green) and generated (red) landmarks on
            white.
        warped: `(S, S, 3)` the warped crop with the generated landmarks.
        morph: a `motion.Morph` from the face crop to the caricature, or None.
    """

    caricature: np.ndarray
    photo: np.ndarray
    landmarks: np.ndarray
    warped: np.ndarray
    morph: object = None


def sample_photo():
    """The bundled sample photo: scikit-image's astronaut (public domain), uint8 RGB."""
    from skimage import data as skdata  # pylint: disable=g-import-not-at-top

    return np.ascontiguousarray(skdata.astronaut())


def default_style():
    """The library's default style spec (`style.DEFAULT_STYLE`)."""
    from tf_deepexag import style  # pylint: disable=g-import-not-at-top

    return style.DEFAULT_STYLE


def known_style_specs():
    """The style specs that work out of the box (`style.STYLE_SPECS`)."""
    from tf_deepexag import style  # pylint: disable=g-import-not-at-top

    return style.STYLE_SPECS


def style_group(spec):
    """The style menu's group of a spec: "learned", "classic" or "none"."""
    if spec == "none":
        return "none"
    return "learned" if ":" in spec else "classic"


class Engine:
    """Detector, geometry, warp and stylizers, built once and shared.

    Args:
        geometry: a geometry spec of `pipeline.build_geometry`.
            Defaults to `"vae"`, the built-in model.
        styles: style specs to offer, or None for `style.STYLE_SPECS`. A
            spec that fails to load raises.
        compile_geometry: bool, trace the geometry sampler: each new mode and
            the first new sample counts retrace (15-40 s each on 2 loaded CPU
            cores), then a face's geometry takes ~20 ms instead of ~0.1 s;
            `warm_up` pays the tracing at start-up. Defaults to `False`.
        crop_size: int, side of the working face crop in pixels.
    """

    def __init__(self, geometry="vae", styles=None, compile_geometry=False, crop_size=512):
        from tf_deepexag import detect, pipeline, style  # pylint: disable=g-import-not-at-top

        start = time.perf_counter()
        self.stylizers = {}
        for spec in (styles or known_style_specs()):
            # The pipeline's painting side and blend, as on the command line.
            self.stylizers[spec] = style.make_stylizer(
                spec, max_side=pipeline.DEFAULT_STYLE_MAX_SIDE,
                style_weight=pipeline.DEFAULT_STYLE_WEIGHT)
        base = pipeline.build_caricaturist(
            geometry=geometry, style="none", faces="largest", crop_size=crop_size,
            compile_geometry=compile_geometry)
        self._base = base
        self.compile_geometry = bool(compile_geometry)
        self._landmarkers = {"largest": base.landmarker,
                             "all": detect.FaceLandmarker(faces="all")}
        preferred = default_style()
        self.default_style = preferred if preferred in self.stylizers else next(
            iter(self.stylizers))
        logging.info("Engine ready in %.1f s: geometry %s, styles %s",
                     time.perf_counter() - start, geometry, ", ".join(self.stylizers))

    @property
    def styles(self):
        """Offered style specs, in menu order."""
        return tuple(self.stylizers)

    def warm_up(self):
        """Runs the sample photo once (default style) and every other style on
        its face crop, so that the first request costs what a later one does
        (`bench/cold_start.py`); traces the geometry when compiled.

        A traced sampler retraces for the deterministic mode (one sample), the
        first sampled count and then once more for any count (TensorFlow's
        `reduce_retracing`): 1, 2 and 3 samples cover them.
        """
        photo = sample_photo()
        for samples in ((1, 2, 3) if self.compile_geometry else (1,)):
            crop = self.caricature(photo, samples=samples)[0].photo
        for spec, stylizer in self.stylizers.items():
            if spec != self.default_style:
                stylizer(crop)

    def caricature(self, photo, style=None, faces="largest", strength=1.0,
                   temperature=None, samples=1, seed=0, morph=False):
        """Caricatures one photo.

        Args:
            photo: uint8 RGB `(H, W, 3)`.
            style: one of `styles`; None for `default_style`.
            faces: `"largest"` or `"all"`.
            strength, temperature, samples, seed: as `Caricaturist.__call__`.
            morph: bool, also animate each sample (`motion.make_morph`; one
                face: faces="largest").

        Returns:
            list of `Sample`, one per sample.

        Raises:
            errors.NoFaceError: no face in the photo.
            ValueError: a bad argument.
        """
        from tf_deepexag import errors, figures, motion, pipeline  # pylint: disable=g-import-not-at-top

        style = self.default_style if style is None else style
        if style not in self.stylizers:
            raise ValueError(f"`style` must be one of {self.styles}, got {style!r}.")
        if faces not in FACE_MODES:
            raise ValueError(f"`faces` must be one of {FACE_MODES}, got {faces!r}.")
        if morph and faces != "largest":
            raise ValueError("`morph` animates one face: use faces='largest'.")
        artist = pipeline.Caricaturist(
            landmarker=self._landmarkers[faces], geometry=self._base.geometry,
            warp=self._base.warp, stylizer=self.stylizers[style],
            crop_size=self._base.crop_size, faces=faces)
        try:
            results = artist(photo, strength=strength, num_samples=samples,
                             temperature=temperature, seed=seed)
        except errors.NoFaceError as e:
            raise errors.NoFaceError("No face found in the photo. Try a photo where one face "
                              "looks at the camera, not too small.") from e
        out = []
        for r in results:
            shown, warped = figures.map_panels(r)  # the head grid through the map
            shapes = figures.landmark_canvas(
                [(r.photo_points, figures.PHOTO_COLOUR),
                 (r.generated_points, figures.GENERATED_COLOUR)], size=r.photo.shape[0])
            animation = motion.make_morph(r, artist.warp) if morph else None
            out.append(Sample(np.asarray(r.caricature, np.uint8), shown, shapes, warped,
                              animation))
        return out
