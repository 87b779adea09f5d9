from equime.demographics.cells import age_band, all_cells, band_labels, cell_of


def test_age_bands_from_cut_points():
    assert band_labels([30, 45, 60]) == ["<30", "30-44", "45-59", "60+"]
    assert [age_band(a, [30, 45, 60]) for a in (0, 29.9, 30, 44.5, 45, 60, 99)] == \
        ["<30", "<30", "30-44", "30-44", "45-59", "60+", "60+"]
    assert age_band(None, [30]) == "u" and age_band(float("nan"), [30]) == "u"


def test_cells_are_the_product_of_the_label_sets():
    cells = all_cells(("gender", "age_band"), (40,))
    assert cells == ["f/<40", "f/40+", "m/<40", "m/40+"]
    assert len(all_cells(("gender", "race", "age_band"), (30, 45, 60))) == 2 * 6 * 4
    assert all_cells((), ()) == ["all"]
    assert cell_of({"gender": "m", "race": "black"}, ("race", "gender")) == "black/m"
