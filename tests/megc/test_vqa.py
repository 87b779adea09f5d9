import math

import pytest

from equime.megc.vqa import kind_of, questions
from equime.megc.vqa_score import bleu, normalise, rouge1, score


def test_questions_follow_the_challenge_templates_from_the_ground_truth():
    qa = questions("anger", ["4", "L7"], seed=3)
    assert [q.kind for q in qa] == ["coarse", "fine", "aus", "side", "shown", "shown", "combined"]
    assert (qa[0].answer, qa[1].answer, qa[2].answer) == ("negative", "anger",
                                                          "brow lowerer, lid tightener")
    assert qa[2].question == "What are the action units?"
    assert qa[3].question == "Is the action unit lid tightener located on the left or right face?"
    assert qa[3].answer == "left"
    assert sorted(q.answer for q in qa[4:6]) == ["no", "yes"]
    said_no = next(q for q in qa[4:6] if q.answer == "no").question
    assert "brow lowerer" not in said_no and "lid tightener" not in said_no
    assert qa[6].answer == ("The action units present are: brow lowerer, lid tightener. "
                            "Therefore, the fine-grained expression class is anger, and the "
                            "coarse expression class is negative.")
    one = questions("happiness", ["12"], seed=3)
    assert one[2].question == "What is the action unit?" and one[0].answer == "positive"
    assert one[-1].answer.startswith("The action unit present is: lip corner puller.")
    assert all(kind_of(q.question) == q.kind for q in qa + one)
    assert questions("anger", ["4", "L7"], seed=3) == qa  # seeded


def test_normalise_as_the_baseline_repository():
    assert normalise("  Brow lowerer, Lid-tightener. ") == "brow lowerer lidtightener"


def test_bleu_by_hand():
    assert bleu("brow lowerer, lid tightener", "brow lowerer, lid tightener") == 1.0
    # c = "brow lowerer", r = "brow lowerer lid tightener": p1 = 2/2; p2 = (1+1)/(1+1);
    # p3 = (0+1)/(0+1); p4 = (0+1)/(0+1); brevity exp(1 - 4/2)
    assert bleu("brow lowerer", "brow lowerer, lid tightener") == pytest.approx(math.exp(-1))
    # c = "lid tightener brow lowerer" vs r = "brow lowerer lid tightener": p1 4/4;
    # p2: bigrams lid-tightener, tightener-brow, brow-lowerer → 2 of 3 → (2+1)/(3+1);
    # p3: 0 of 2 → 1/3; p4: 0 of 1 → 1/2; same length
    want = math.exp((math.log(1) + math.log(3 / 4) + math.log(1 / 3) + math.log(1 / 2)) / 4)
    assert bleu("lid tightener, brow lowerer", "brow lowerer, lid tightener") == \
        pytest.approx(want)
    assert bleu("dimpler", "lip corner puller") == 0.0  # no unigram in common
    assert bleu("", "lip corner puller") == 0.0


def test_rouge1_by_hand():
    assert rouge1("lip corner puller", "lip corner puller") == 1.0
    # overlap {lip, corner} = 2; P 2/2, R 2/3
    assert rouge1("lip corner", "lip corner puller") == pytest.approx(2 * 1 * (2 / 3) / (5 / 3))
    assert rouge1("the the the", "the cat") == pytest.approx(2 * (1 / 3) * (1 / 2) / (5 / 6))


def test_score_by_question_type():
    kinds = ["coarse", "coarse", "coarse", "shown", "shown", "aus"]
    truth = ["negative", "positive", "negative", "yes", "no", "lip corner puller"]
    pred = ["Negative.", "negative", "negative", "yes", "yes", "lip corner puller"]
    s = score(kinds, truth, pred)
    # coarse: negative TP 2 FP 1 FN 0 → F1 0.8, R 1; positive TP 0 FN 1 → F1 0, R 0
    assert s["coarse"] == {"n": 3, "uf1": pytest.approx(0.4), "uar": pytest.approx(0.5)}
    assert s["shown"] == {"n": 2, "accuracy": 0.5}
    assert s["aus"] == {"n": 1, "bleu": 1.0, "rouge1": 1.0}


def test_the_test_split_is_subject_disjoint_and_seeded():
    from equime.megc.vqa import held_out

    subjects = [f"s{i}" for i in range(10)]
    test = held_out(subjects, 0.2, seed=1)
    assert len(test) == 2 and test <= set(subjects)
    assert held_out(subjects, 0.2, seed=1) == test and held_out(subjects, 0.2, seed=2) != test
    assert len(held_out(["a", "b"], 0.2, seed=1)) == 1  # two subjects: one held out
    assert held_out(["a"], 0.2, seed=1) == frozenset()  # one: nothing to test on
    assert held_out(subjects, 0.0, seed=1) == frozenset()


def test_train_and_test_rows_have_the_challenge_fields():
    from equime.megc.vqa import records

    args = ("equime", "f_ann_01", "emotion_categories/anger/f_ann_01.mp4", "ann", "anger",
            ["7"], 30, 38, 5)
    train, test = records(*args, test=False), records(*args, test=True)
    assert list(train[0]) == ["id", "dataset", "image_id", "subject", "filename", "question",
                              "answer"]
    assert list(test[0]) == ["id", "video_id", "video", "subject", "onset_frame",
                             "offset_frame", "question", "answer"]
    assert [r["id"] for r in train] == [f"equime_f_ann_01_{k}" for k in range(1, 7)]
    assert [r["answer"] for r in train] == [r["answer"] for r in test]
