"""Reference data that ships with the platform: the seed's focus areas and topics, and megacities."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

# (slug, name, description, [(topic slug, topic name), ...])
FOCUS_AREAS = [
    ("culture-of-innovation", _l("Embedding a Culture of Innovation"),
     _l("Administrative structures, processes, policies or partnerships that encourage creativity, risk-taking, "
        "experimentation or results-driven behavior within government."),
     [("innovation-teams", _l("Innovation teams and labs")), ("performance-management", _l("Performance management")),
      ("procurement", _l("Procurement reform")), ("partnerships", _l("Public-private and civic partnerships")),
      ("risk-and-experimentation", _l("Risk-taking and experimentation")), ("budgeting-for-outcomes", _l("Budgeting for outcomes"))]),
    ("managing-information", _l("Managing Information"),
     _l("How city governments re-shape information flows to be more open, responsive, nimble and accountable; "
        "the role of data, mobile devices and other technologies."),
     [("open-data", _l("Open data")), ("311-service-monitoring", _l("311 and service monitoring")),
      ("data-analytics", _l("Data analytics")), ("mobile-engagement", _l("Mobile engagement")),
      ("digital-inclusion", _l("Digital inclusion")), ("cybersecurity-privacy", _l("Cybersecurity and privacy"))]),
    ("citizen-engagement", _l("Deepening Citizen Engagement"),
     _l("Bringing diverse citizen voices into planning, policy-making and service monitoring, and demonstrating "
        "effectiveness to the public, particularly low-income residents and marginalized communities."),
     [("participatory-budgeting", _l("Participatory budgeting")), ("community-planning", _l("Community planning")),
      ("inclusive-engagement", _l("Engaging women and marginalized groups")),
      ("public-reporting", _l("Reporting results to the public")), ("civic-tech", _l("Civic technology"))]),
]

# (slug, name, country, region, population in millions (metro, rounded), IANA zone). Names, countries and
# regions are stored in English and shown translated (common.i18n.translated); marked here for extraction.
CITIES = [
    ("tokyo", _l("Tokyo"), _l("Japan"), _l("East Asia"), 37.1, "Asia/Tokyo"),
    ("delhi", _l("Delhi"), _l("India"), _l("South Asia"), 33.8, "Asia/Kolkata"),
    ("shanghai", _l("Shanghai"), _l("China"), _l("East Asia"), 29.9, "Asia/Shanghai"),
    ("dhaka", _l("Dhaka"), _l("Bangladesh"), _l("South Asia"), 23.9, "Asia/Dhaka"),
    ("sao-paulo", _l("São Paulo"), _l("Brazil"), _l("Latin America"), 22.8, "America/Sao_Paulo"),
    ("cairo", _l("Cairo"), _l("Egypt"), _l("Middle East and North Africa"), 22.6, "Africa/Cairo"),
    ("mexico-city", _l("Mexico City"), _l("Mexico"), _l("Latin America"), 22.5, "America/Mexico_City"),
    ("beijing", _l("Beijing"), _l("China"), _l("East Asia"), 21.8, "Asia/Shanghai"),
    ("mumbai", _l("Mumbai"), _l("India"), _l("South Asia"), 21.7, "Asia/Kolkata"),
    ("osaka", _l("Osaka"), _l("Japan"), _l("East Asia"), 19.0, "Asia/Tokyo"),
    ("karachi", _l("Karachi"), _l("Pakistan"), _l("South Asia"), 17.6, "Asia/Karachi"),
    ("kolkata", _l("Kolkata"), _l("India"), _l("South Asia"), 15.5, "Asia/Kolkata"),
    ("istanbul", _l("Istanbul"), _l("Türkiye"), _l("Europe and Central Asia"), 15.8, "Europe/Istanbul"),
    ("buenos-aires", _l("Buenos Aires"), _l("Argentina"), _l("Latin America"), 15.5, "America/Argentina/Buenos_Aires"),
    ("lagos", _l("Lagos"), _l("Nigeria"), _l("Sub-Saharan Africa"), 16.5, "Africa/Lagos"),
    ("kinshasa", _l("Kinshasa"), _l("DR Congo"), _l("Sub-Saharan Africa"), 17.0, "Africa/Kinshasa"),
    ("manila", _l("Manila"), _l("Philippines"), _l("Southeast Asia"), 14.9, "Asia/Manila"),
    ("rio-de-janeiro", _l("Rio de Janeiro"), _l("Brazil"), _l("Latin America"), 13.8, "America/Sao_Paulo"),
    ("guangzhou", _l("Guangzhou"), _l("China"), _l("East Asia"), 14.3, "Asia/Shanghai"),
    ("lahore", _l("Lahore"), _l("Pakistan"), _l("South Asia"), 13.9, "Asia/Karachi"),
    ("bangalore", _l("Bengaluru"), _l("India"), _l("South Asia"), 13.6, "Asia/Kolkata"),
    ("moscow", _l("Moscow"), _l("Russia"), _l("Europe and Central Asia"), 12.7, "Europe/Moscow"),
    ("jakarta", _l("Jakarta"), _l("Indonesia"), _l("Southeast Asia"), 11.2, "Asia/Jakarta"),
    ("bogota", _l("Bogotá"), _l("Colombia"), _l("Latin America"), 11.5, "America/Bogota"),
    ("lima", _l("Lima"), _l("Peru"), _l("Latin America"), 11.3, "America/Lima"),
    ("bangkok", _l("Bangkok"), _l("Thailand"), _l("Southeast Asia"), 11.2, "Asia/Bangkok"),
    ("seoul", _l("Seoul"), _l("South Korea"), _l("East Asia"), 10.0, "Asia/Seoul"),
    ("paris", _l("Paris"), _l("France"), _l("Europe and Central Asia"), 11.3, "Europe/Paris"),
    ("london", _l("London"), _l("United Kingdom"), _l("Europe and Central Asia"), 9.6, "Europe/London"),
    ("nairobi", _l("Nairobi"), _l("Kenya"), _l("Sub-Saharan Africa"), 5.3, "Africa/Nairobi"),
    ("new-york", _l("New York"), _l("United States"), _l("North America"), 18.9, "America/New_York"),
    ("los-angeles", _l("Los Angeles"), _l("United States"), _l("North America"), 12.5, "America/Los_Angeles"),
    ("chicago", _l("Chicago"), _l("United States"), _l("North America"), 8.9, "America/Chicago"),
]

# U.S. states, the District of Columbia and the territories with city governments (code, name shown translated).
US_STATES = [
    ("AL", _l("Alabama")), ("AK", _l("Alaska")), ("AZ", _l("Arizona")), ("AR", _l("Arkansas")), ("CA", _l("California")),
    ("CO", _l("Colorado")), ("CT", _l("Connecticut")), ("DE", _l("Delaware")), ("DC", _l("District of Columbia")),
    ("FL", _l("Florida")), ("GA", _l("Georgia")), ("HI", _l("Hawaii")), ("ID", _l("Idaho")), ("IL", _l("Illinois")),
    ("IN", _l("Indiana")), ("IA", _l("Iowa")), ("KS", _l("Kansas")), ("KY", _l("Kentucky")), ("LA", _l("Louisiana")),
    ("ME", _l("Maine")), ("MD", _l("Maryland")), ("MA", _l("Massachusetts")), ("MI", _l("Michigan")), ("MN", _l("Minnesota")),
    ("MS", _l("Mississippi")), ("MO", _l("Missouri")), ("MT", _l("Montana")), ("NE", _l("Nebraska")), ("NV", _l("Nevada")),
    ("NH", _l("New Hampshire")), ("NJ", _l("New Jersey")), ("NM", _l("New Mexico")), ("NY", _l("New York")),
    ("NC", _l("North Carolina")), ("ND", _l("North Dakota")), ("OH", _l("Ohio")), ("OK", _l("Oklahoma")), ("OR", _l("Oregon")),
    ("PA", _l("Pennsylvania")), ("RI", _l("Rhode Island")), ("SC", _l("South Carolina")), ("SD", _l("South Dakota")),
    ("TN", _l("Tennessee")), ("TX", _l("Texas")), ("UT", _l("Utah")), ("VT", _l("Vermont")), ("VA", _l("Virginia")),
    ("WA", _l("Washington")), ("WV", _l("West Virginia")), ("WI", _l("Wisconsin")), ("WY", _l("Wyoming")),
    ("PR", _l("Puerto Rico")), ("GU", _l("Guam")), ("VI", _l("U.S. Virgin Islands")), ("AS", _l("American Samoa")),
    ("MP", _l("Northern Mariana Islands")),
]
