from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardConfig(AppConfig):
    name = "atomgrad.award"
    label = "award"
    verbose_name = _("Премия «Новые Созидатели»")

    def ready(self) -> None:
        from PIL import Image

        from atomgrad.award.uploads import PHOTO_MAX_PIXELS

        # Pillow's own guard against decompression bombs, for every image this process opens (uploads check
        # a tighter budget from the header first; see award/uploads.py): warn above, refuse above twice this.
        Image.MAX_IMAGE_PIXELS = PHOTO_MAX_PIXELS
