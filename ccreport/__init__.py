"""ccreport: contact-centre incident management reports from ITSM exports."""

__version__ = "0.1.0"
