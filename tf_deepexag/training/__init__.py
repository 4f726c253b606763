"""Shared training machinery: strategies, the custom loop, run configuration."""

from tf_deepexag.training.checkpoints import restore_newest_intact
from tf_deepexag.training.loop import (Hook, NonFiniteLossError, TrainLoop,
                                      WorkerFailureError)
from tf_deepexag.training.run_config import (CONFIG_FILE, read_config,
                                             write_or_check_config)
from tf_deepexag.training.strategy import (STRATEGIES, is_chief, local_cluster,
                                           make_strategy, parse_tf_config,
                                           stop_startup_watchdog, task_of)

__all__ = [
    "CONFIG_FILE", "Hook", "NonFiniteLossError", "STRATEGIES", "TrainLoop",
    "WorkerFailureError", "is_chief", "local_cluster", "make_strategy", "parse_tf_config", "read_config",
    "restore_newest_intact", "stop_startup_watchdog", "task_of", "write_or_check_config",
]
