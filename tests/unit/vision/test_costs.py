"""The monthly cost per camera grows with what the edge uploads, and Rekognition is priced per confirmation."""

from __future__ import annotations

from smartcommune.vision.logic.costs import CameraLoad, CostAssumptions, Prices, monthly_cost

BUSY = CameraLoad(
    uploads_per_hour=1000, bursts_per_hour=100, function_s_per_upload=0.04, confirmations_per_hour=20, confirm_s=0.12
)
QUIET = BUSY.model_copy(update={"uploads_per_hour": 360, "bursts_per_hour": 360, "confirmations_per_hour": 0})


def test_items_add_up_and_follow_the_prices():
    cost = monthly_cost(BUSY, QUIET)
    items = {k: v for k, v in cost.items() if k != "total"}
    assert abs(sum(items.values()) - cost["total"]) < 0.01
    # 30 days × (14 × 100 + 10 × 360) S3 objects at US$0.005 per thousand
    assert abs(cost["s3_put"] - 30 * (14 * 100 + 10 * 360) * 0.005 / 1000) < 1e-4
    assert cost["rekognition"] == 0.0


def test_rekognition_confirmations_are_priced_per_image():
    with_rekognition = monthly_cost(BUSY, QUIET, assumptions=CostAssumptions(rekognition_confirms=True))
    assert abs(with_rekognition["rekognition"] - 30 * 14 * 20 * Prices().rekognition_image) < 1e-6


def test_uploading_more_costs_more():
    double = BUSY.model_copy(update={"uploads_per_hour": 2000, "bursts_per_hour": 200})
    assert monthly_cost(double, QUIET)["total"] > monthly_cost(BUSY, QUIET)["total"]
