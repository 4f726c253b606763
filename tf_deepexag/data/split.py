"""Person-disjoint train/test splits."""

import numpy as np


def split_by_person(dataset, test_fraction=0.15, seed=0):
    """Splits pairs so that no person is in both parts.

    Args:
        dataset: `PairedLandmarks`.
        test_fraction: float in (0, 1), the share of persons held out.
        seed: int, the shuffle seed of the persons.

    Returns:
        `(train, test)` `PairedLandmarks`.

    Raises:
        ValueError: bad fraction, or fewer than two persons.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"`test_fraction` must be in (0, 1), got {test_fraction}.")
    persons = np.unique(dataset.persons)
    if len(persons) < 2:
        raise ValueError(f"A person-disjoint split needs at least 2 persons, got "
                         f"{len(persons)}.")
    rng = np.random.default_rng(seed)
    persons = persons[rng.permutation(len(persons))]
    num_test = min(len(persons) - 1, max(1, int(round(test_fraction * len(persons)))))
    test_persons = set(persons[:num_test].tolist())
    is_test = np.array([p in test_persons for p in dataset.persons])
    return (dataset.subset(np.flatnonzero(~is_test)),
            dataset.subset(np.flatnonzero(is_test)))
