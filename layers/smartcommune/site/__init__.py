"""The commune website's data (seed V.8; criteria 3.1 and 6.3): the public directory of every official (name,
position, unit, work phone and e-mail, an optional photo), agri-tourism and OCOP points (product, producer, star
rating, hamlet, place on the map, opening hours, photos), and news articles with an editorial workflow (draft → in
review → published, unpublished or archived), all edited by staff and public once published, as JSON and as pages.

Officials' work contacts are public by design (criterion 3.1); nothing here holds a citizen's data.

Public: ``contracts``, ``wiring.directory`` (``published_count``, ``summary``: criterion 3.1 for the scorecard),
``wiring.news`` (``published_since``), ``wiring.site_service``.
"""
