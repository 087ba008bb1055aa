"""The console's own QR encoder (MFA set-up) matches an independent encoder module for module."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.fake_backend import FakeBackend

pytestmark = [pytest.mark.browser]

TEXTS = (
    "otpauth://totp/An%20Ninh%20OA:hieptan.chihuy?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=An%20Ninh%20OA",
    "otpauth://totp/An%20Ninh%20OA:tanphu.quantri?secret=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43UOV3HO6DZPJRGEZDE&issuer=An%20Ninh%20OA",
    "HT-2611-0001",
)


def _reference(text: str, mask: int) -> list[list[bool]]:
    import qrcode
    from qrcode.util import MODE_8BIT_BYTE, QRData

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, mask_pattern=mask, border=0)
    qr.add_data(QRData(text.encode("utf-8"), mode=MODE_8BIT_BYTE))
    qr.make(fit=True)
    return [[bool(m) for m in row] for row in qr.modules]


def test_qr_matrices_equal_an_independent_encoder(new_page: Any, fake_backend: FakeBackend) -> None:
    page = new_page()
    page.goto(fake_backend.base_url + "/")
    for text in TEXTS:
        for mask in (0, 3, 5, 7):
            ours = page.evaluate(
                "async ([text, mask]) => (await import('./js/qr.js')).qrMatrix(text, mask)", [text, mask]
            )
            assert ours == _reference(text, mask), (text, mask)
    # Without a forced mask the encoder picks one and still draws a whole symbol with its quiet zone.
    size = page.evaluate(
        "async (text) => { const m = await import('./js/qr.js'); const svg = m.qrSvg(text, 'Mã QR');"
        " return [svg.getAttribute('viewBox'), m.qrMatrix(text).length]; }",
        TEXTS[0],
    )
    assert size[0] == f"0 0 {size[1] + 8} {size[1] + 8}" and size[1] in range(21, 58, 4)
