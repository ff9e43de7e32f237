"""Public facilities of the commune (seed V.5 and V.6; criteria 4.3, 10.1, 10.2): the free public wifi points and
the schools, for the operations dashboard, the scorecard and the public.

- **Wifi points**: where each free hotspot is (the one-stop office of the People's Committee, the health station,
  each hamlet's cultural house, schools, tourist spots…), its bandwidth, free or not, and whether it is in service
  (since when, with a note). The culture and information officer and the leadership keep the register; every change
  is audited. The public list shows the points and their state, nothing about who changed them.
- **Schools**: the commune's kindergarten, primary and lower-secondary schools, with one line of figures per school
  year (pupils, classes, teachers, school-management software, digital teaching equipment), entered by the schools
  and the leadership, audited.

Public: ``contracts``, ``wiring.facilities_summary`` (``wifi(commune_id)``, ``schools(commune_id)``: the dashboard's
tiles and the computed criteria 4.3, 10.1 and 10.2), ``wiring.facilities_service`` (what the routes use).
"""
