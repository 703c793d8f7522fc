"""Small site-wide state kept in the database, shared by every app server."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base


class SiteCounter(Base):
    """Named integers such as the catalog version that keys the page cache."""

    __tablename__ = "site_counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)
