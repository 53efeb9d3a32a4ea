from django.db import models


class Role(models.TextChoices):
    VIEWER = "viewer", "Viewer"
    EDITOR = "editor", "Editor"
    ADMIN = "admin", "Admin"

    @property
    def rank(self) -> int:
        return _RANKS[self.value]

    def allows(self, required: "Role") -> bool:
        """True when this role is at least ``required`` (viewer < editor < admin)."""
        return self.rank >= Role(required).rank


_RANKS = {"viewer": 1, "editor": 2, "admin": 3}
