"""`ServingModule`: the SavedModel serving signatures over `ExportGraphs`.

Shapes: B faces, N = 68 points, T = 68 steps (88 for a model with head
points, `landmarks.IBUG68_HEAD`), H x W images.
"""

import tensorflow as tf

from tf_deepexag.geometry.sampling_inputs import STRENGTH_RULE

N = 68


def check_input(tensor, name, shape):
    """`tensor` after run-time checks of its rank and fixed dimensions.

    Serving signatures check dtypes but not shapes; a wrong shape fails here
    with `InvalidArgumentError` naming the input and the expected shape.

    Args:
        tensor: the input tensor.
        name: str, the input's name.
        shape: list of int or None (None = any size).
    """
    text = "[" + ", ".join("?" if d is None else str(d) for d in shape) + "]"
    message = f"input '{name}' must have shape {text} (? = any)"
    # One assertion over rank and dimensions. The shape is padded before it is
    # sliced, so no op can fail on a wrong rank before the assertion does
    # (Grappler may run a slice before an assertion it depends on).
    rank = len(shape)
    padded = tf.concat([tf.shape(tensor), tf.fill([rank], -1)], axis=0)[:rank]
    wanted = tf.constant([-1 if d is None else d for d in shape], tf.int32)
    dims_ok = tf.reduce_all(tf.logical_or(tf.equal(padded, wanted), tf.equal(wanted, -1)))
    ok = tf.logical_and(tf.equal(tf.rank(tensor), rank), dims_ok)
    check = tf.debugging.Assert(ok, [message])
    with tf.control_dependencies([check]):
        return tf.identity(tensor)


def check_strength(strength):
    """`strength` after a run-time check of `sampling_inputs.check_strength`'s
    rule (finite, >= 0), failing with its message."""
    ok = tf.logical_and(tf.math.is_finite(strength), strength >= 0.0)
    with tf.control_dependencies([tf.debugging.Assert(ok, [STRENGTH_RULE, strength])]):
        return tf.identity(strength)


class ServingModule(tf.Module):
    """`ExportGraphs` with the serving signatures as `tf.function`s.

    Signatures:
        exaggerate       photo_points f32 [B,68,2], eps_z f32 [B,Z],
                         uniforms f32 [B,T,2], normals f32 [B,T,2],
                         temperature f32 [], strength f32 []
                         -> caricature_points f32 [B,68,2]; the noise as
                         `geometry.draw_noise(seed, B, Z, T)` draws it
                         (`serving.SavedModelExaggerator` does), temperature
                         <= 0 deterministic (the noise then unused).
        serving_default  photo_points -> caricature_points, deterministic.
        controls         the inputs of `exaggerate` -> control_points,
                         control_targets f32 [B,T+P,2]: the map of the plane's
                         points (`graphs.map_controls`: the T controls, the
                         landmarks then any head points, then P pins).
        caricature       image u8 [1,H,W,3], photo_points f32 [1,68,2],
                         strength f32 [] -> caricature u8, caricature_points.
        stylize          images u8 [B,H,W,3] -> images u8 (with a generator).
    """

    def __init__(self, graphs):
        super().__init__(name="serving")
        self.graphs = graphs

        z, t = graphs.geometry.z_size, graphs.geometry.num_steps

        def checked(photo_points, eps_z, uniforms, normals, temperature, strength):
            """The geometry inputs after their run-time checks."""
            return (check_input(photo_points, "photo_points", [None, N, 2]),
                    check_input(eps_z, "eps_z", [None, z]),
                    check_input(uniforms, "uniforms", [None, t, 2]),
                    check_input(normals, "normals", [None, t, 2]),
                    temperature, check_strength(strength))

        @tf.function(input_signature=graphs.geometry.signature())
        def exaggerate(photo_points, eps_z, uniforms, normals, temperature, strength):
            return {"caricature_points": graphs.exaggerate_with_noise(*checked(
                photo_points, eps_z, uniforms, normals, temperature, strength))}

        @tf.function(input_signature=[
            tf.TensorSpec([None, N, 2], tf.float32, name="photo_points")])
        def serving_default(photo_points):
            photo_points = check_input(photo_points, "photo_points", [None, N, 2])
            return {"caricature_points": graphs.deterministic(photo_points, 1.0)}

        @tf.function(input_signature=[
            tf.TensorSpec([1, None, None, 3], tf.uint8, name="image"),
            tf.TensorSpec([1, N, 2], tf.float32, name="photo_points"),
            tf.TensorSpec([], tf.float32, name="strength")])
        def caricature(image, photo_points, strength):
            image = check_input(image, "image", [1, None, None, 3])
            photo_points = check_input(photo_points, "photo_points", [1, N, 2])
            image_out, points = graphs.caricature(image, photo_points,
                                                  check_strength(strength))
            return {"caricature": image_out, "caricature_points": points}

        @tf.function(input_signature=graphs.geometry.signature())
        def controls(photo_points, eps_z, uniforms, normals, temperature, strength):
            source, target = graphs.controls(*checked(
                photo_points, eps_z, uniforms, normals, temperature, strength))
            return {"control_points": source, "control_targets": target}

        self.exaggerate = exaggerate
        self.serving_default = serving_default
        self.controls = controls
        self.caricature = caricature
        if graphs.generator is not None:
            @tf.function(input_signature=[
                tf.TensorSpec([None, None, None, 3], tf.uint8, name="images")])
            def stylize(images):
                images = check_input(images, "images", [None, None, None, 3])
                return {"images": graphs.stylize(images)}
            self.stylize = stylize

    def signatures(self):
        sigs = {"exaggerate": self.exaggerate, "serving_default": self.serving_default,
                "caricature": self.caricature, "controls": self.controls}
        if hasattr(self, "stylize"):
            sigs["stylize"] = self.stylize
        return sigs
