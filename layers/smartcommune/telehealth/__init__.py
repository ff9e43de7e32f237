"""Telehealth at the commune health station (trạm y tế): practitioners, weekly schedules with exceptions, services,
slots, bookings with a queue number per session, reminders, check-in and the station's queue, patient records
(ICD-10 diagnoses, prescriptions, vaccinations) read under audit, remote consultation, pharmacies, HL7 FHIR R4.

Public: ``contracts``, ``wiring.booking_service``, ``wiring.record_service``.
"""
