"""Tests for `geometry.schedules`."""

import tensorflow as tf

from tf_deepexag.geometry import SketchRNNDecay, annealed_weight


class SchedulesTest(tf.test.TestCase):

    def test_learning_rate_values(self):
        schedule = SketchRNNDecay(1e-3, 0.9999, 1e-5)
        self.assertAllClose(schedule(0), 1e-3, rtol=1e-6)
        self.assertAllClose(schedule(1), 0.00099990100, rtol=1e-5)   # 9.9e-4 * .9999 + 1e-5
        self.assertAllClose(schedule(10000), 0.00037419, rtol=1e-3)  # 9.9e-4 * e^-1.00005
        self.assertAllClose(schedule(10 ** 6), 1e-5, rtol=1e-4)

    def test_schedule_config_round_trip(self):
        schedule = SketchRNNDecay(2e-3, 0.99, 1e-4)
        self.assertEqual(SketchRNNDecay.from_config(schedule.get_config()).get_config(),
                         schedule.get_config())

    def test_annealed_weight(self):
        self.assertAllClose(annealed_weight(0, 0.5, 0.01, 0.99995), 0.01)
        # 0.5 - 0.49 * 0.99995^1000 = 0.5 - 0.49 * 0.951227
        self.assertAllClose(annealed_weight(1000, 0.5, 0.01, 0.99995), 0.0339, rtol=1e-3)
        self.assertAllClose(annealed_weight(2 * 10 ** 6, 0.5, 0.01, 0.99995), 0.5)
