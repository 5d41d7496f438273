"""The p-chart against hand-computed limits: p̄ = Σx / Σn over the baseline, p̄ ± 3·sqrt(p̄(1 − p̄)/n_i)
clipped to [0, 1], points outside flagged."""

import pytest

from aftersales.kpi.control import Signal, p_chart


def test_centre_is_the_ratio_of_sums_and_a_point_below_the_lower_limit_is_a_shift():
    # given four months of 100 requests each: 90, 80, 85 and 60 answered within 24 h
    chart = p_chart([(90, 100), (80, 100), (85, 100), (60, 100)])
    # then p̄ = 315 / 400 = 0.7875; 3·sqrt(0.7875 × 0.2125 / 100) = 3 × 0.04090770 = 0.12272301
    assert chart.centre == pytest.approx(0.7875)
    first = chart.points[0]
    assert (first.lower, first.upper) == (pytest.approx(0.66477699), pytest.approx(0.91022301))
    # 0.90, 0.80 and 0.85 lie inside [0.6648, 0.9102]; 0.60 is beneath it: a real shift, not noise
    assert [point.signal for point in chart.points] == [Signal.NONE, Signal.NONE, Signal.NONE, Signal.BELOW]
    assert [point.shifted for point in chart.points] == [False, False, False, True]


def test_limits_widen_for_small_samples_are_clipped_to_0_1_and_an_empty_point_has_none():
    # given 1 of 4, 50 of 100, and a month with no request
    chart = p_chart([(1, 4), (50, 100), (0, 0)])
    # then p̄ = 51 / 104 = 0.49038462
    assert chart.centre == pytest.approx(0.49038462)
    small, large, empty = chart.points
    # n = 4: 3·sqrt(0.49038 × 0.50962 / 4) = 0.74986 -> [−0.2595, 1.2402] clipped to [0, 1]
    assert (small.rate, small.lower, small.upper) == (0.25, 0.0, 1.0)
    # n = 100: 3·sqrt(0.49038 × 0.50962 / 100) = 0.14997 -> [0.34041, 0.64036]
    assert (large.lower, large.upper) == (pytest.approx(0.34041235), pytest.approx(0.64035688))
    assert large.signal == Signal.NONE
    # no denominator: no rate, no limits, no signal (kpi-definitions §0.5)
    assert (empty.rate, empty.lower, empty.upper, empty.signal) == (None, None, None, Signal.NONE)


def test_the_baseline_sets_the_centre_and_later_points_are_judged_against_it():
    # given a baseline of three months (18, 20 and 19 of 20) and a fourth month of 10 of 20
    chart = p_chart([(18, 20), (20, 20), (19, 20), (10, 20)], baseline=slice(0, 3))
    # then p̄ = 57 / 60 = 0.95 (the fourth month is not in it); 3·sqrt(0.95 × 0.05 / 20) = 0.14620192
    assert chart.centre == pytest.approx(0.95)
    assert chart.points[3].lower == pytest.approx(0.80379808)
    # the upper limit 1.0962 is clipped to 1: 20 of 20 is not "above"
    assert chart.points[1].upper == 1.0
    assert [point.signal for point in chart.points] == [Signal.NONE] * 3 + [Signal.BELOW]


def test_a_rate_above_the_upper_limit_is_flagged_above():
    # given p̄ = (10 + 10 + 40) / 300 = 0.2; n = 100: 3·sqrt(0.2 × 0.8 / 100) = 0.12 -> [0.08, 0.32]
    chart = p_chart([(10, 100), (10, 100), (40, 100)])
    assert chart.centre == pytest.approx(0.2)
    assert (chart.points[2].lower, chart.points[2].upper) == (pytest.approx(0.08), pytest.approx(0.32))
    # then 0.10 is inside, 0.40 above
    assert [point.signal for point in chart.points] == [Signal.NONE, Signal.NONE, Signal.ABOVE]


def test_an_empty_baseline_has_no_centre_and_no_limits():
    chart = p_chart([(0, 0), (3, 5)], baseline=slice(0, 1))
    assert chart.centre is None
    assert (chart.points[1].rate, chart.points[1].upper, chart.points[1].signal) == (0.6, None, Signal.NONE)


def test_a_numerator_larger_than_its_denominator_is_refused():
    with pytest.raises(ValueError, match="not a proportion: 5 of 4"):
        p_chart([(5, 4)])
