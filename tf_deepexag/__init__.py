"""tf_deepexag."""
