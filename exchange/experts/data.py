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

# (slug, name, country, region, population in millions (metro, rounded), IANA zone)
CITIES = [
    ("tokyo", "Tokyo", "Japan", "East Asia", 37.1, "Asia/Tokyo"),
    ("delhi", "Delhi", "India", "South Asia", 33.8, "Asia/Kolkata"),
    ("shanghai", "Shanghai", "China", "East Asia", 29.9, "Asia/Shanghai"),
    ("dhaka", "Dhaka", "Bangladesh", "South Asia", 23.9, "Asia/Dhaka"),
    ("sao-paulo", "São Paulo", "Brazil", "Latin America", 22.8, "America/Sao_Paulo"),
    ("cairo", "Cairo", "Egypt", "Middle East and North Africa", 22.6, "Africa/Cairo"),
    ("mexico-city", "Mexico City", "Mexico", "Latin America", 22.5, "America/Mexico_City"),
    ("beijing", "Beijing", "China", "East Asia", 21.8, "Asia/Shanghai"),
    ("mumbai", "Mumbai", "India", "South Asia", 21.7, "Asia/Kolkata"),
    ("osaka", "Osaka", "Japan", "East Asia", 19.0, "Asia/Tokyo"),
    ("karachi", "Karachi", "Pakistan", "South Asia", 17.6, "Asia/Karachi"),
    ("kolkata", "Kolkata", "India", "South Asia", 15.5, "Asia/Kolkata"),
    ("istanbul", "Istanbul", "Türkiye", "Europe and Central Asia", 15.8, "Europe/Istanbul"),
    ("buenos-aires", "Buenos Aires", "Argentina", "Latin America", 15.5, "America/Argentina/Buenos_Aires"),
    ("lagos", "Lagos", "Nigeria", "Sub-Saharan Africa", 16.5, "Africa/Lagos"),
    ("kinshasa", "Kinshasa", "DR Congo", "Sub-Saharan Africa", 17.0, "Africa/Kinshasa"),
    ("manila", "Manila", "Philippines", "Southeast Asia", 14.9, "Asia/Manila"),
    ("rio-de-janeiro", "Rio de Janeiro", "Brazil", "Latin America", 13.8, "America/Sao_Paulo"),
    ("guangzhou", "Guangzhou", "China", "East Asia", 14.3, "Asia/Shanghai"),
    ("lahore", "Lahore", "Pakistan", "South Asia", 13.9, "Asia/Karachi"),
    ("bangalore", "Bengaluru", "India", "South Asia", 13.6, "Asia/Kolkata"),
    ("moscow", "Moscow", "Russia", "Europe and Central Asia", 12.7, "Europe/Moscow"),
    ("jakarta", "Jakarta", "Indonesia", "Southeast Asia", 11.2, "Asia/Jakarta"),
    ("bogota", "Bogotá", "Colombia", "Latin America", 11.5, "America/Bogota"),
    ("lima", "Lima", "Peru", "Latin America", 11.3, "America/Lima"),
    ("bangkok", "Bangkok", "Thailand", "Southeast Asia", 11.2, "Asia/Bangkok"),
    ("seoul", "Seoul", "South Korea", "East Asia", 10.0, "Asia/Seoul"),
    ("paris", "Paris", "France", "Europe and Central Asia", 11.3, "Europe/Paris"),
    ("london", "London", "United Kingdom", "Europe and Central Asia", 9.6, "Europe/London"),
    ("nairobi", "Nairobi", "Kenya", "Sub-Saharan Africa", 5.3, "Africa/Nairobi"),
    ("new-york", "New York", "United States", "North America", 18.9, "America/New_York"),
    ("los-angeles", "Los Angeles", "United States", "North America", 12.5, "America/Los_Angeles"),
    ("chicago", "Chicago", "United States", "North America", 8.9, "America/Chicago"),
]

# U.S. states, the District of Columbia and the territories with city governments (code, name).
US_STATES = [
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"), ("CA", "California"),
    ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"), ("DC", "District of Columbia"),
    ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"), ("ID", "Idaho"), ("IL", "Illinois"),
    ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"), ("KY", "Kentucky"), ("LA", "Louisiana"),
    ("ME", "Maine"), ("MD", "Maryland"), ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"),
    ("MS", "Mississippi"), ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"), ("OR", "Oregon"),
    ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"), ("SD", "South Dakota"),
    ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"), ("VT", "Vermont"), ("VA", "Virginia"),
    ("WA", "Washington"), ("WV", "West Virginia"), ("WI", "Wisconsin"), ("WY", "Wyoming"),
    ("PR", "Puerto Rico"), ("GU", "Guam"), ("VI", "U.S. Virgin Islands"), ("AS", "American Samoa"),
    ("MP", "Northern Mariana Islands"),
]
