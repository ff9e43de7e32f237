"""Water readings against QCVN 01-1:2018/BYT: the limits shipped as data with their citation, what breaches them and
how badly, the words staff and residents read, and the simulated water the demo sensors report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devices.water_sensor.model import SiteModel
from smartcommune.core.warnings import WarningCategory, WarningSeverity
from smartcommune.water.contracts import GeoPoint, SensorReading, WaterSensor
from smartcommune.water.logic import (
    breach_warning,
    bulletin_text,
    evaluate,
    fault_warning,
    is_silent,
    limit_table,
)

AT = datetime(2026, 11, 29, 8, 30, tzinfo=UTC)  # 15:30 in Vietnam
TAP = WaterSensor(
    sensor_id="gp-wq-06",
    commune_id="giao-phong",
    site_name="Vòi cuối mạng xóm Bắc Hải",
    hamlet_id="bac-hai",
    kind="tap",
    location=GeoPoint(lat=20.2655, lon=106.4898),
)
PLANT = TAP.model_copy(update={"sensor_id": "gp-wq-01", "site_name": "Nhà máy nước sạch Giao Phong", "kind": "plant"})


def _reading(**values: float) -> SensorReading:
    return SensorReading(sensor_id="gp-wq-06", seq=1, at=AT, **values)


def test_the_limits_are_the_group_a_values_with_where_each_comes_from():
    # Given the limits shipped with the package
    table = limit_table()
    # Then they are QCVN 01-1:2018/BYT's, issued with Circular 41/2018/TT-BYT
    assert table.regulation == "QCVN 01-1:2018/BYT"
    assert "41/2018/TT-BYT" in table.issued_by
    assert (table.of("ph").min, table.of("ph").max) == (6.0, 8.5)
    assert (table.of("turbidity").min, table.of("turbidity").max) == (None, 2.0)
    assert table.of("turbidity").unit == "NTU"
    assert (table.of("free_chlorine").min, table.of("free_chlorine").max) == (0.2, 1.0)
    assert table.of("free_chlorine").unit == "mg/L"
    # And each names its row of the regulation's table; temperature has no limit there and says so
    for parameter in ("ph", "turbidity", "free_chlorine"):
        assert "QCVN 01-1:2018/BYT" in table.of(parameter).source and "STT" in table.of(parameter).source
    assert (table.of("temperature").min, table.of("temperature").max) == (None, None)
    assert "Không có giới hạn" in table.of("temperature").source


@pytest.mark.parametrize(
    ("values", "breached"),
    [
        ({"ph": 6.0, "turbidity_ntu": 2.0, "free_chlorine_mg_l": 0.2, "temperature_c": 35}, []),
        ({"ph": 8.5, "free_chlorine_mg_l": 1.0}, []),
        ({"ph": 5.99}, [("ph", "below")]),
        ({"ph": 8.51}, [("ph", "above")]),
        ({"turbidity_ntu": 2.01}, [("turbidity", "above")]),
        ({"free_chlorine_mg_l": 0.19}, [("free_chlorine", "below")]),
        ({"free_chlorine_mg_l": 1.05, "ph": 9.1}, [("ph", "above"), ("free_chlorine", "above")]),
        ({}, []),  # a reading without values breaches nothing
    ],
)
def test_a_reading_breaches_exactly_the_limits_it_is_outside_of(values, breached):
    assert [(b.parameter, b.side) for b in evaluate(_reading(**values))] == breached


def test_too_little_chlorine_is_severe_and_a_ph_excursion_moderate():
    # Given a far tap reading 0.12 mg/L of free chlorine and pH 9.1
    breaches = {b.parameter: b for b in evaluate(_reading(free_chlorine_mg_l=0.12, ph=9.1, turbidity_ntu=5.0))}
    # Then too little chlorine (germs survive) and very turbid water are severe; the pH is moderate
    assert breach_warning(TAP, breaches["free_chlorine"], AT).severity is WarningSeverity.SEVERE
    assert breach_warning(TAP, breaches["turbidity"], AT).severity is WarningSeverity.SEVERE
    assert breach_warning(TAP, breaches["ph"], AT).severity is WarningSeverity.MODERATE
    # And the warning says in Vietnamese what, how much, against which limit, and where
    warning = breach_warning(TAP, breaches["free_chlorine"], AT, "Xóm Bắc Hải")
    assert warning.title_vi == "Clo dư tự do 0,12 mg/L dưới mức tối thiểu 0,2 mg/L tại Vòi cuối mạng xóm Bắc Hải"
    assert warning.category is WarningCategory.ENVIRONMENT and warning.hamlet_id == "bac-hai"
    assert "QCVN 01-1:2018/BYT" in warning.detail_vi
    assert (warning.lat, warning.lon) == (20.2655, 106.4898)


def test_a_silent_sensor_is_a_device_fault_after_ten_minutes():
    assert not is_silent(AT - timedelta(minutes=10), AT)
    assert is_silent(AT - timedelta(minutes=10, seconds=1), AT)
    assert is_silent(None, AT)  # never heard
    warning = fault_warning(TAP, "silence", AT, "Xóm Bắc Hải")
    assert warning.category is WarningCategory.DEVICE and warning.severity is WarningSeverity.MINOR
    assert "mất tín hiệu" in warning.title_vi


def test_a_bulletin_from_a_tap_warning_names_the_hamlet_and_the_parameter():
    # Given a low-chlorine warning at Bắc Hải's tap
    breach = evaluate(_reading(free_chlorine_mg_l=0.12))[0]
    warning = breach_warning(TAP, breach, AT, "Xóm Bắc Hải")
    # When its bulletin words are made
    text = bulletin_text(warning, TAP, "Xóm Bắc Hải")
    # Then they go to that hamlet, name it and the parameter, and say what to do
    assert text.hamlet_id == "bac-hai"
    assert text.headline == "Thông báo về chất lượng nước sạch tại Xóm Bắc Hải"
    assert "clo dư tự do (đo được 0,12)" in text.text and "xóm Bắc Hải" in text.text
    assert "15:30 ngày 29/11/2026" in text.text
    assert "đun sôi" in text.instruction
    assert text.priority == "priority"  # severe
    # And a warning at the plant's outlet concerns the whole commune
    plant = bulletin_text(breach_warning(PLANT, breach, AT), PLANT, "Xóm Trung Phong")
    assert plant.hamlet_id is None and "toàn xã" in plant.headline


def test_the_simulated_network_loses_chlorine_along_its_length_and_in_the_afternoon_heat():
    # Given the plant outlet, a near tap and the far end of the network on a dry day
    day = datetime(2026, 12, 3, 17, 0, tzinfo=UTC)  # 00:00 on 04/12 in Vietnam
    plant, near, far = (SiteModel(seed=1, travel_h=h, plant=h == 0) for h in (0.0, 1.5, 6.5))
    assert plant.rain_hour(day) is None
    dawn, afternoon = day + timedelta(hours=4), day + timedelta(hours=15)
    # Then chlorine falls from the plant to the far end
    assert plant.clean(afternoon).free_chlorine_mg_l > near.clean(afternoon).free_chlorine_mg_l
    assert near.clean(afternoon).free_chlorine_mg_l > far.clean(afternoon).free_chlorine_mg_l
    # And the far end is within the limit at dawn but below it in the warm afternoon
    assert far.clean(dawn).free_chlorine_mg_l >= 0.2 > far.clean(afternoon).free_chlorine_mg_l
    assert far.clean(afternoon).temperature_c > far.clean(dawn).temperature_c + 3
    # And pH stays near 7.2 all day
    assert all(abs(plant.clean(day + timedelta(hours=h)).ph - 7.2) < 0.2 for h in range(24))


def test_turbidity_rises_after_rain_more_at_the_taps_than_at_the_plant():
    # Given a day it rains (found from the model's own weather)
    start = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    day = next(start + timedelta(days=d) for d in range(30) if SiteModel(seed=1).rain_hour(start + timedelta(days=d)))
    plant, tap = SiteModel(seed=1, plant=True), SiteModel(seed=1, travel_h=3.0)
    rain_hour = plant.rain_hour(day)
    assert rain_hour is not None
    rain = day + timedelta(hours=rain_hour)
    before = tap.turbidity(rain - timedelta(minutes=1))
    peak_tap = max(tap.turbidity(rain + timedelta(minutes=m)) for m in range(0, 8 * 60, 10))
    peak_plant = max(plant.turbidity(rain + timedelta(minutes=m)) for m in range(0, 8 * 60, 10))
    # Then the tap's turbidity goes over the 2 NTU limit a while after the rain, the plant's filters keep it lower
    assert before < 2.0 < peak_tap
    assert peak_plant < peak_tap
