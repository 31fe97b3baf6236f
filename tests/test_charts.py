"""The shared bar-chart geometry: what a user sees is bars that fit the box, the tallest
reaching the top of the plot, stacked parts sitting on each other, neighbours not overlapping."""

from appliance.charts import BarChart


def test_tallest_bar_fills_the_plot_and_stands_on_the_axis():
    chart = BarChart.fit(600, 160, [3, 12, 6], slots=3)
    assert chart.h(12) == chart.plot == 140
    assert chart.y(12) == 20  # headroom left for the number above it
    assert chart.y(0) == chart.axis == 160


def test_an_empty_chart_still_has_an_axis_and_no_division_by_zero():
    chart = BarChart.fit(600, 160, [], slots=0)
    assert chart.top == 1 and chart.h(0) == 0 and chart.bar_w > 0


def test_stacked_part_sits_on_top_of_the_bar_below():
    chart = BarChart.fit(600, 160, [10], slots=30)
    assert chart.y(4, below=6) == chart.y(10)
    assert round(chart.y(6) - chart.y(4, below=6), 1) == chart.h(4)


def test_side_by_side_bars_never_overlap_and_stay_inside_the_chart():
    chart = BarChart.fit(600, 180, [5, 9], slots=24, per_slot=2)
    edges = []
    for slot in range(24):
        for bar in range(2):
            edges.append((chart.x(slot, bar), chart.x(slot, bar) + chart.bar_w))
    for (_, right), (left, _) in zip(edges, edges[1:]):
        assert right <= left
    assert edges[0][0] >= 0 and edges[-1][1] <= 600


def test_labels_below_the_axis_keep_their_room():
    chart = BarChart.fit(720, 200, [1.0], slots=12, headroom=4, bottom=20, gap=8)
    assert chart.axis == 180 and chart.y(1.0) == 4
