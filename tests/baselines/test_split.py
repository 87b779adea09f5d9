import pytest

from equime.baselines.split import Fold, check_no_leak, holdout_fold, loso_folds, subject_split
from equime.errors import EquimeError

SUBJECTS = ["s1", "s1", "s2", "s2", "s3", "s4", "s4", "s5"]


def test_loso_folds_never_share_a_subject():
    folds = loso_folds(SUBJECTS, val_fraction=0.25, seed=0)
    assert [f.name for f in folds] == ["s1", "s2", "s3", "s4", "s5"]
    for f in folds:
        test = {SUBJECTS[i] for i in f.test}
        assert test == {f.name}
        assert not test & {SUBJECTS[i] for i in (*f.train, *f.val)}
        assert set(f.train) | set(f.val) | set(f.test) == set(range(len(SUBJECTS)))
        val = {SUBJECTS[i] for i in f.val}
        assert len(val) == 1 and not val & {SUBJECTS[i] for i in f.train}  # whole subjects
    assert sum(len(f.test) for f in folds) == len(SUBJECTS)


def test_the_leak_check_fails_on_a_leaking_fold():
    with pytest.raises(EquimeError, match=r"fold bad: test subjects \['s1'\] reach training"):
        check_no_leak(Fold("bad", train=(0, 2), val=(), test=(1,)), SUBJECTS)
    with pytest.raises(EquimeError, match="reach training or validation"):
        check_no_leak(Fold("bad", train=(2,), val=(0,), test=(1,)), SUBJECTS)


def test_holdout_drops_test_subjects_from_training_and_split_is_seeded():
    f = holdout_fold(range(0, 5), range(4, 8), SUBJECTS, 0.0, 0)  # s3 is in both
    assert f.train == (0, 1, 2, 3) and f.test == (4, 5, 6, 7)
    a = subject_split(SUBJECTS, 0.4, 0.0, seed=1)
    assert a == subject_split(SUBJECTS, 0.4, 0.0, seed=1)
    assert len({SUBJECTS[i] for i in a.test}) == 2
