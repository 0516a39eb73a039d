"""Value vocabularies of inputs.md: the spellings real exports use, keyed by `fold()`.

Each table maps a folded spelling to a canonical value. Users add spellings with the
`[values.<field>]` tables of a `--columns` file; nothing outside these tables is guessed.
"""

from __future__ import annotations

from .text import fold


def _table(pairs: dict[str, tuple[str, ...]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for canonical, spellings in pairs.items():
        for s in spellings:
            out[fold(s)] = canonical
    return out


CHANNEL = _table(
    {
        "direct": ("Trực tiếp", "Tại quầy", "Nộp trực tiếp", "Tiếp nhận trực tiếp", "1"),
        "online": (
            "Trực tuyến", "Nộp trực tuyến", "Qua mạng", "Dịch vụ công trực tuyến", "DVCTT",
            "Cổng DVC", "Cổng dịch vụ công", "Tiếp nhận trực tuyến", "2",
        ),
        "postal": (
            "Bưu chính", "Bưu chính công ích", "Qua bưu chính công ích", "BCCI",
            "Qua bưu điện", "Dịch vụ bưu chính", "Qua dịch vụ bưu chính công ích", "3",
        ),
    }
)
CHANNELS = ("direct", "online", "postal")

_TRUE = (
    "Có", "x", "1", "Đã", "Đã số hóa", "Được số hóa", "Tái sử dụng",
    "Tái sử dụng từ kết quả hồ sơ khác", "Đã thanh toán", "Yes", "True", "Y", "Đã có",
)
_FALSE = ("Không", "0", "Chưa", "Chưa số hóa", "No", "False", "N", "Chưa thanh toán", "Không có")
BOOLEAN = _table({True: _TRUE, False: _FALSE})  # type: ignore[dict-item]

# Payment method column ("Hình thức thanh toán"): online or not.
PAYMENT_METHOD = _table(
    {
        True: (
            "Trực tuyến", "Thanh toán trực tuyến", "DVCQG", "Thanh toán qua Cổng Quốc gia",
            "Thanh toán qua Cổng DVCQG", "Cổng thanh toán", "VNPT PAY", "VNPTPay", "Payment Platform",
            "PayGov", "VNPay", "Viettel Money", "ViettelPay", "MoMo", "ZaloPay", "Payoo",
            "Ví điện tử", "Ngân hàng điện tử", "Internet Banking", "Thanh toán điện tử",
        ),
        False: ("Tiền mặt", "Chuyển khoản", "Trực tiếp", "Nộp tiền mặt", "Tại quầy", "Không"),
    }  # type: ignore[dict-item]
)

SERVICE_LEVEL = _table(
    {
        "full": ("Toàn trình", "Toàn bộ", "DVC toàn trình", "Mức độ 4", "Mức 4", "4", "Có"),
        "partial": ("Một phần", "DVC một phần", "Mức độ 3", "Mức 3", "3"),
        "none": (
            "Mức độ 1", "Mức độ 2", "Mức 1", "Mức 2", "1", "2",
            "Dịch vụ cung cấp thông tin trực tuyến", "Cung cấp thông tin", "Không",
        ),
    }
)

LEVEL = _table(
    {
        "Bộ": ("Bộ", "Cấp bộ", "Trung ương", "Cấp trung ương"),
        "Tỉnh": ("Tỉnh", "Cấp tỉnh", "Sở", "Thành phố trực thuộc trung ương"),
        "Huyện": ("Huyện", "Cấp huyện", "Quận", "Thị xã", "Thành phố thuộc tỉnh"),
        "Xã": ("Xã", "Cấp xã", "Phường", "Thị trấn", "Đặc khu"),
    }
)
LEVELS = ("Bộ", "Tỉnh", "Huyện", "Xã")

# Digital signature of an outgoing document: none, one layer (person or organisation), two.
SIGNATURE = _table(
    {
        "none": ("Không", "Không ký số", "Chưa ký số", "0"),
        "one": ("Có", "1 lớp", "Một lớp", "Cá nhân", "Cơ quan", "Tổ chức", "Ký số", "1", "x"),
        "two": ("2 lớp", "Hai lớp", "Cá nhân và cơ quan", "Cá nhân và tổ chức", "Cơ quan và cá nhân", "2"),
    }
)

# Status labels and national-portal codes -> dossier state.
STATUS = _table(
    {
        "submitted": ("1", "Mới đăng ký", "Mới nộp", "Chờ tiếp nhận"),
        "processing": (
            "2", "4", "6", "Được tiếp nhận", "Đã tiếp nhận", "Đang xử lý", "Đang giải quyết",
            "Chờ xử lý", "Yêu cầu thực hiện nghĩa vụ tài chính",
        ),
        "waiting": ("5", "Yêu cầu bổ sung", "Yêu cầu bổ sung giấy tờ", "Chờ bổ sung"),
        "refused": ("3", "Không được tiếp nhận", "Từ chối", "Từ chối xử lý", "Từ chối tiếp nhận"),
        "withdrawn": ("7", "Rút hồ sơ", "Công dân rút", "Công dân yêu cầu rút hồ sơ", "Đã rút"),
        "stopped": ("8", "Dừng xử lý", "Dừng giải quyết"),
        "resolved": ("9", "Đã xử lý xong", "Đã giải quyết", "Chờ trả kết quả", "Đã có kết quả"),
        "returned": ("10", "Đã trả kết quả", "Hoàn thành", "Đã hoàn thành", "Đã trả"),
    }
)
STATES = ("submitted", "processing", "waiting", "refused", "withdrawn", "stopped", "resolved", "returned")
RESOLVED_STATES = frozenset({"resolved", "returned"})
ENDED_UNRESOLVED_STATES = frozenset({"refused", "withdrawn", "stopped"})

# Level from a unit's name, when the export has no level column (kpis.md "Grouping").
# Checked in order; the first prefix that matches wins.
LEVEL_FROM_UNIT_NAME: tuple[tuple[str, str], ...] = tuple(
    (fold(prefix), level)
    for prefix, level in (
        ("UBND phường", "Xã"), ("UBND xã", "Xã"), ("UBND thị trấn", "Xã"), ("UBND đặc khu", "Xã"),
        ("Ủy ban nhân dân phường", "Xã"), ("Ủy ban nhân dân xã", "Xã"),
        ("Ủy ban nhân dân thị trấn", "Xã"), ("Phường", "Xã"), ("Xã", "Xã"), ("Thị trấn", "Xã"),
        ("UBND quận", "Huyện"), ("UBND huyện", "Huyện"), ("UBND thị xã", "Huyện"),
        ("UBND thành phố thuộc tỉnh", "Huyện"), ("Ủy ban nhân dân quận", "Huyện"),
        ("Ủy ban nhân dân huyện", "Huyện"), ("Ủy ban nhân dân thị xã", "Huyện"),
        ("Quận", "Huyện"), ("Huyện", "Huyện"), ("Thị xã", "Huyện"),
        ("UBND tỉnh", "Tỉnh"), ("Ủy ban nhân dân tỉnh", "Tỉnh"), ("Sở", "Tỉnh"), ("Ban", "Tỉnh"),
        ("Bộ", "Bộ"),
    )
)


# Centrally-run cities: "UBND thành phố <one of these>" is province level; any other
# "UBND thành phố X" is a city under a province, i.e. district level.
CENTRAL_CITIES = frozenset(
    fold(c) for c in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế")
)
_CITY_PREFIXES = tuple(fold(p) for p in ("UBND thành phố", "Ủy ban nhân dân thành phố"))


def level_from_unit_name(name: object) -> str | None:
    """Level inferred from a unit's name (kpis.md "Grouping"), or None when the name says
    nothing. "UBND thành phố X" is province level for the six centrally-run cities and
    district level for any other city."""
    key = fold(name)
    if not key:
        return None
    for prefix in _CITY_PREFIXES:
        if key.startswith(prefix + " "):
            return "Tỉnh" if key[len(prefix) + 1 :] in CENTRAL_CITIES else "Huyện"
    for prefix, level in LEVEL_FROM_UNIT_NAME:
        if key == prefix or key.startswith(prefix + " "):
            return level
    return None
