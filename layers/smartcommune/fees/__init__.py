"""Household fees and cashless payment: fee types and rates per household category, invoices per household and
period (arrears carried, exemptions with their decisions), VietQR codes, signed payment callbacks, cash at the
office, numbered electronic receipts, criteria 8.1/8.2 from the ledger, and waste-collection schedules (16.4) with
iCalendar feeds.

Public: ``contracts``, ``wiring.fee_service``, ``wiring.waste_service``, ``logic.vietqr``, ``logic.payments.sign``.
"""
