"""`ServingModule`: the SavedModel serving signatures over `ExportGraphs`.

Shapes: B faces, N = 68 points, H x W images.
"""

import tensorflow as tf

from tf_deepexag.export_graphs.graphs import check_input

N = 68


class ServingModule(tf.Module):
    """`ExportGraphs` with the serving signatures as `tf.function`s."""

    def __init__(self, graphs):
        super().__init__(name="serving")
        self.graphs = graphs
        # The Keras 3 variables' underlying tf.Variables, tracked directly:
        # without this the SavedModel runs under `tf.saved_model.load` but not
        # under the TF1 session loader TF Serving and `saved_model_cli run` use
        # ("Could not find variable ..."; keras-team/keras#20095, #19274).
        models = [graphs.vae] + ([graphs.generator] if graphs.generator is not None else [])
        self.tf_variables = [getattr(v, "value", v) for m in models for v in m.variables]

        @tf.function(input_signature=[
            tf.TensorSpec([None, N, 2], tf.float32, name="photo_points"),
            tf.TensorSpec([], tf.float32, name="temperature"),
            tf.TensorSpec([], tf.int64, name="seed")])
        def exaggerate(photo_points, temperature, seed):
            photo_points = check_input(photo_points, "photo_points", [None, N, 2])
            return {"caricature_points": graphs.exaggerate(photo_points, temperature,
                                                           seed)}

        @tf.function(input_signature=[
            tf.TensorSpec([None, N, 2], tf.float32, name="photo_points")])
        def serving_default(photo_points):
            photo_points = check_input(photo_points, "photo_points", [None, N, 2])
            return {"caricature_points": graphs.exaggerate(
                photo_points, tf.constant(0.0), tf.constant(0, tf.int64))}

        @tf.function(input_signature=[
            tf.TensorSpec([1, None, None, 3], tf.uint8, name="image"),
            tf.TensorSpec([1, N, 2], tf.float32, name="photo_points"),
            tf.TensorSpec([], tf.float32, name="strength")])
        def caricature(image, photo_points, strength):
            image = check_input(image, "image", [1, None, None, 3])
            photo_points = check_input(photo_points, "photo_points", [1, N, 2])
            image_out, points = graphs.caricature(image, photo_points, strength)
            return {"caricature": image_out, "caricature_points": points}

        self.exaggerate = exaggerate
        self.serving_default = serving_default
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
                "caricature": self.caricature}
        if hasattr(self, "stylize"):
            sigs["stylize"] = self.stylize
        return sigs
