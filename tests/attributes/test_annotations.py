import pytest

from equime.attributes.annotations import from_annotations
from equime.attributes.labels import normalise_race
from equime.errors import InputError


def test_manifest_and_celeba_labels_become_typed_demography():
    d = from_annotations({"gender": "Female", "age": 35.0, "race": "Middle_Eastern"}, "x")
    assert (d.source, d.gender, d.age, d.race) == ("annotations", "f", 35.0, "middle eastern")
    assert d.gender_confidence is None and d.race_confidence is None
    assert from_annotations({"Male": True, "Young": True}, "x").gender == "m"
    assert from_annotations({"Male": False}, "x").gender == "f"
    unknown = from_annotations({"Smiling": True}, "x")
    assert (unknown.gender, unknown.age, unknown.race) == ("u", None, None)


@pytest.mark.parametrize(("labels", "message"), [
    ({"gender": "x"}, r"a.png: gender 'x' is not one of"),
    ({"age": 300.0}, r"a.png: age 300.0 must be a number of years in \[0, 120\]"),
    ({"age": "old"}, r"a.png: age 'old' must be a number"),
    ({"race": "martian"}, r"a.png: race 'martian' is not one of \['asian'"),
])
def test_bad_labels_name_the_photo(labels, message):
    with pytest.raises(InputError, match=message):
        from_annotations(labels, "a.png")


def test_race_names_are_normalised():
    assert normalise_race("Latino  Hispanic") == "latino hispanic"
    assert normalise_race("latino") is None
