"""`UGATIT`: two generators, four discriminators, and the training step.

Shapes: B per-replica batch, S image side.

Losses (UGATIT.py): LSGAN (mean squared error) on the patch logits and on
the CAM logits of the global and local discriminators, cycle L1, identity
L1, generator CAM binary cross-entropy on logits (source-domain images
should be classified 'other' = 1, own-domain images 0).

Weight decay: PyTorch `Adam(weight_decay=1e-4)` is an L2 term added to the
gradient before the Adam moments (coupled), not decoupled AdamW. Keras'
`Adam(weight_decay=...)` is decoupled, so it is NOT used; the step adds
`weight_decay * w` to each gradient as the authors' optimiser does.

Mixed precision (`config.mixed_precision`, see `precision.py`): the networks
are built under the policy and return float32, so every loss below is
float32. With a `keras.optimizers.LossScaleOptimizer` (float16) each loss is
multiplied by the optimizer's scale inside the tape and the decay term by the
same scale, so that the optimizer's unscaling leaves `g + weight_decay * w`;
a step whose gradients overflow is skipped by the optimizer (its iteration
count does not advance) and the scale halves.
"""

import keras
import tensorflow as tf
from keras import ops

from tf_deepexag.style import precision
from tf_deepexag.style.discriminator import UGATITDiscriminator
from tf_deepexag.style.generator import UGATITGenerator


def _mse(x, target):
    return ops.mean(ops.square(x - target))


def _bce_logits(logits, target):
    # max(x, 0) - x * z + log(1 + exp(-|x|)), the stable BCE-with-logits.
    return ops.mean(ops.relu(logits) - logits * target
                    + ops.log1p(ops.exp(-ops.abs(logits))))


def _l1(x, y):
    return ops.mean(ops.abs(x - y))


def _lsgan_d(real, fake):
    return _mse(real, 1.0) + _mse(fake, 0.0)


@keras.saving.register_keras_serializable(package="tf_deepexag")
class UGATIT(keras.Model):
    """U-GAT-IT: genA2B, genB2A, global disGA/GB (7 layers), local disLA/LB (5).

    Args:
        config: `UGATITConfig` (or its dict).

    Example:
        model = UGATIT(UGATITConfig(light=True, img_size=32, ngf=8, n_res=1))
        model.compile(g_optimizer=..., d_optimizer=...)
        logs = model.train_step({"A": a, "B": b})
    """

    def __init__(self, config, **kwargs):
        super().__init__(**kwargs)
        from tf_deepexag.style.config import UGATITConfig
        if isinstance(config, dict):
            config = UGATITConfig(**config)
        self.config = config
        c = config
        gen = lambda name: UGATITGenerator(c.ngf, c.n_res, c.img_size, c.light,
                                           name=name)
        with precision.policy_scope(c.mixed_precision):
            self.genA2B, self.genB2A = gen("genA2B"), gen("genB2A")
            self.disGA = UGATITDiscriminator(c.ndf, c.n_dis_global, name="disGA")
            self.disGB = UGATITDiscriminator(c.ndf, c.n_dis_global, name="disGB")
            self.disLA = UGATITDiscriminator(c.ndf, c.n_dis_local, name="disLA")
            self.disLB = UGATITDiscriminator(c.ndf, c.n_dis_local, name="disLB")
        self._names = ("d_loss", "g_loss", "g_adv", "g_cycle", "g_identity",
                       "g_cam")
        self.trackers = {n: keras.metrics.Mean(name=n) for n in self._names}
        self.g_optimizer = self.d_optimizer = None

    @property
    def metrics(self):
        return list(self.trackers.values())

    @property
    def generator_variables(self):
        return self.genA2B.trainable_variables + self.genB2A.trainable_variables

    @property
    def discriminator_variables(self):
        return [v for d in (self.disGA, self.disGB, self.disLA, self.disLB)
                for v in d.trainable_variables]

    def build(self, input_shape=None):
        shape = (1, self.config.img_size, self.config.img_size, 3)
        with precision.policy_scope(self.config.mixed_precision):
            for net in (self.genA2B, self.genB2A, self.disGA, self.disGB,
                        self.disLA, self.disLB):
                net.build(shape)
        self.built = True

    def compile(self, g_optimizer, d_optimizer, **kwargs):
        """Sets the generator and discriminator optimizers."""
        super().compile(**kwargs)
        self.g_optimizer, self.d_optimizer = g_optimizer, d_optimizer

    def call(self, a):
        return self.genA2B(a)

    def _apply(self, optimizer, scaled_loss, tape, variables, num_replicas):
        # `scaled_loss` carries the optimizer's loss scale (1 without a
        # LossScaleOptimizer); the decay term is scaled alike.
        grads = tape.gradient(scaled_loss, variables)
        wd = self.config.weight_decay / num_replicas
        grads = [g + optimizer.scale_loss(wd * v) for g, v in zip(grads, variables)]
        optimizer.apply_gradients(zip(grads, variables))

    def _dis_losses(self, real_a, real_b, fake_a, fake_b):
        loss = 0.0
        for dis, real, fake in ((self.disGA, real_a, fake_a),
                                (self.disLA, real_a, fake_a),
                                (self.disGB, real_b, fake_b),
                                (self.disLB, real_b, fake_b)):
            real_logit, real_cam, _ = dis(real, training=True)
            fake_logit, fake_cam, _ = dis(fake, training=True)
            loss += _lsgan_d(real_logit, fake_logit) + _lsgan_d(real_cam, fake_cam)
        return self.config.adv_weight * loss

    def train_step(self, batch):
        """One per-replica U-GAT-IT step.

        Args:
            batch: {"A": (B, S, S, 3), "B": (B, S, S, 3)} float32 in [-1, 1].

        Returns:
            dict of scalar losses (replica means).
        """
        # 1. Translate A->B and B->A; update the four discriminators on
        #    real vs (stopped) fake with LSGAN on patch and CAM logits.
        # 2. Generators: adversarial (fakes judged real), cycle A->B->A and
        #    B->A->B L1, identity B->B / A->A L1, CAM BCE (other-domain
        #    input -> 1, own-domain input -> 0).
        # 3. Losses are divided by the replica count so the all-reduced sum
        #    of gradients is the global-batch mean (and multiplied by the
        #    loss scale under float16); coupled L2 weight decay is added to
        #    the gradients; rho is clipped by its constraint.
        c = self.config
        num_replicas = tf.distribute.get_strategy().num_replicas_in_sync
        real_a = ops.convert_to_tensor(batch["A"], "float32")
        real_b = ops.convert_to_tensor(batch["B"], "float32")

        fake_b, _, _ = self.genA2B(real_a)
        fake_a, _, _ = self.genB2A(real_b)
        with tf.GradientTape() as tape:
            d_loss = self._dis_losses(real_a, real_b, ops.stop_gradient(fake_a),
                                      ops.stop_gradient(fake_b))
            scaled = self.d_optimizer.scale_loss(d_loss / num_replicas)
        self._apply(self.d_optimizer, scaled, tape,
                    self.discriminator_variables, num_replicas)

        with tf.GradientTape() as tape:
            fake_b, cam_a2b, _ = self.genA2B(real_a)
            fake_a, cam_b2a, _ = self.genB2A(real_b)
            rec_a, _, _ = self.genB2A(fake_b)
            rec_b, _, _ = self.genA2B(fake_a)
            id_a, cam_a2a, _ = self.genB2A(real_a)
            id_b, cam_b2b, _ = self.genA2B(real_b)
            adv = 0.0
            for dis, fake in ((self.disGA, fake_a), (self.disLA, fake_a),
                              (self.disGB, fake_b), (self.disLB, fake_b)):
                logit, cam_logit, _ = dis(fake, training=True)
                adv += _mse(logit, 1.0) + _mse(cam_logit, 1.0)
            cycle = _l1(rec_a, real_a) + _l1(rec_b, real_b)
            identity = _l1(id_a, real_a) + _l1(id_b, real_b)
            cam = (_bce_logits(cam_b2a, 1.0) + _bce_logits(cam_a2a, 0.0)
                   + _bce_logits(cam_a2b, 1.0) + _bce_logits(cam_b2b, 0.0))
            g_loss = (c.adv_weight * adv + c.cycle_weight * cycle
                      + c.identity_weight * identity + c.cam_weight * cam)
            scaled = self.g_optimizer.scale_loss(g_loss / num_replicas)
        self._apply(self.g_optimizer, scaled, tape, self.generator_variables,
                    num_replicas)

        logs = {"d_loss": d_loss, "g_loss": g_loss, "g_adv": adv,
                "g_cycle": cycle, "g_identity": identity, "g_cam": cam}
        for name, value in logs.items():
            self.trackers[name].update_state(value)
        return logs

    def get_config(self):
        return {"name": self.name, "config": self.config.to_dict()}
