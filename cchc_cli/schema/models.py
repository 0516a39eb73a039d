"""Pydantic models of each input: the single source of truth for its schema.

Each field says, in its annotation: its type, the parser that reads it (``Parse``), the
header spellings real exports use (``Headers``) and, for a few fields, other columns that
can stand in for it (``AltSource``: a yes/no "Trực tuyến" column for the channel, a payment
method column, separate fee and charge columns). A field without a default is required.

Header mapping, vectorised validation and per-row messages are all derived from these
models through ``field_specs``; nothing else lists fields or spellings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

from . import vocab
from .parsers import Boolean, Date, Money, Parse, Parser, ParseError, Text, Vocab, WorkingDays, finished_before, today


@dataclass(frozen=True)
class Headers:
    spellings: tuple[str, ...]
    # spellings that look alike but mean something else ("Mã hồ sơ gốc", "Ngày gia hạn"):
    # never matched, and never offered as a "did you mean".
    exclude: tuple[str, ...] = ()


@dataclass(frozen=True)
class AltSource:
    """Another column that gives the field when its own column is absent.
    ``combine="sum"`` adds up every such column present (fee + charge)."""

    name: str
    spellings: tuple[str, ...]
    parser: Parser
    combine: Literal["first", "sum"] = "first"


def H(*spellings: str, exclude: tuple[str, ...] = ()) -> Headers:
    return Headers(tuple(spellings), exclude)


TEXT = Parse(Text())
ID = Parse(Text(max_length=200, repeats=False))
DATE = Parse(Date())
BOOL = Parse(Boolean(name="boolean", table=vocab.BOOLEAN, blank_false=True))  # blank = no (inputs.md)
Channel = Literal["direct", "online", "postal", "offline"]
ServiceLevel = Literal["full", "partial", "none"]
Level = Literal["Bộ", "Tỉnh", "Huyện", "Xã"]
Satisfaction = Literal["satisfied", "neutral", "dissatisfied"]
# satisfaction ratings of a dossier (issue 14, QĐ 766 indicator 5.4)
SATISFACTION = vocab._table({
    "satisfied": ("Rất hài lòng", "Hài lòng", "Very satisfied", "Satisfied"),
    "neutral": ("Bình thường", "Chấp nhận được", "Neutral"),
    "dissatisfied": ("Không hài lòng", "Chưa hài lòng", "Rất không hài lòng", "Dissatisfied"),
})
State = Literal["submitted", "processing", "waiting", "refused", "withdrawn", "stopped", "resolved", "returned"]


class OnlineFlag(Boolean):
    """A yes/no "Trực tuyến" column standing in for the channel: yes is online, no is
    "offline" (direct or postal, the export does not say which)."""

    def scalar(self, v, extra=None):
        b = super().scalar(v, extra)
        return None if b is None else ("online" if b else "offline")


class DossierRecord(BaseModel):
    """One row of a dossier export (hồ sơ), inputs.md "Dossier export"."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    dossier_id: Annotated[
        str,
        ID,
        H("Mã hồ sơ", "Mã hồ sơ hành chính", "Số hồ sơ", "Mã số hồ sơ", "Số biên nhận",
          "Mã biên nhận", exclude=("Mã hồ sơ gốc",)),
    ]
    received_at: Annotated[
        dt.datetime,
        DATE,
        H("Ngày tiếp nhận", "Ngày tiếp nhận hồ sơ", "Ngày giờ tiếp nhận", "Thời gian tiếp nhận",
          "Ngày nhận", "Ngày nhận hồ sơ", "Nhận hồ sơ"),
    ]
    submitted_at: Annotated[dt.datetime | None, DATE, H("Ngày nộp", "Ngày nộp hồ sơ", "Ngày gửi")] = None
    due_at: Annotated[
        dt.datetime | None,
        DATE,
        H("Ngày hẹn trả", "Ngày hẹn trả kết quả", "Hẹn trả kết quả", "Ngày hẹn trả hồ sơ",
          "Ngày giờ hẹn trả", "Hạn xử lý", "Hạn giải quyết", exclude=("Ngày gia hạn",)),
    ] = None
    finished_at: Annotated[
        dt.datetime | None,
        DATE,
        H("Ngày có kết quả", "Ngày kết thúc xử lý", "Ngày hoàn thành", "Ngày giải quyết xong",
          "Ngày ký hồ sơ", "Ngày tháng năm có kết quả"),
    ] = None
    returned_at: Annotated[
        dt.datetime | None,
        DATE,
        H("Ngày trả kết quả", "Ngày trả", "Ngày trả công dân", "Ngày trả thực tế", "Trả kết quả",
          "Ngày tháng năm trả kết quả"),
    ] = None
    status: Annotated[
        State | None,
        Parse(Vocab(name="status", table=vocab.STATUS)),
        H("Trạng thái", "Tình trạng", "Trạng thái hồ sơ", "Trạng thái, kết quả giải quyết TTHC",
          "Mã trạng thái"),
    ] = None
    unit: Annotated[
        str | None,
        TEXT,
        H("Đơn vị tiếp nhận", "Đơn vị giải quyết", "Cơ quan giải quyết", "Cơ quan thụ lý",
          "Cơ quan chủ trì giải quyết", "Đơn vị xử lý", "Tên đơn vị", "Tên đơn vị xử lý",
          "Đơn vị/ cá nhân giải quyết", "Đơn vị"),
    ] = None
    level: Annotated[
        Level | None, Parse(Vocab(name="level", table=vocab.LEVEL)),
        H("Cấp", "Cấp thực hiện", "Cấp hành chính"),
    ] = None
    field: Annotated[str | None, TEXT, H("Lĩnh vực", "Tên lĩnh vực")] = None
    procedure_code: Annotated[
        str | None, ID, H("Mã thủ tục", "Mã TTHC", "Mã thủ tục hành chính")
    ] = None
    procedure_name: Annotated[
        str | None,
        TEXT,
        H("Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính", "Thủ tục", "Thủ tục hành chính"),
    ] = None
    channel: Annotated[
        Channel | None,
        Parse(Vocab(name="channel", table=vocab.CHANNEL)),
        H("Hình thức nộp", "Hình thức nộp hồ sơ", "Kênh nộp", "Hình thức tiếp nhận",
          "Loại tiếp nhận", "Nguồn hồ sơ", "Kênh tiếp nhận"),
        AltSource("online_flag", ("Trực tuyến", "Nộp trực tuyến", "Hồ sơ trực tuyến"),
                  OnlineFlag(name="boolean", table=vocab.BOOLEAN, blank_false=True)),
    ] = None
    service_level: Annotated[
        ServiceLevel | None,
        Parse(Vocab(name="service_level", table=vocab.SERVICE_LEVEL)),
        H("Mức độ", "Mức độ DVC", "Mức độ dịch vụ công", "Mức độ cung cấp dịch vụ công trực tuyến",
          "Loại DVC", "DVC toàn trình", "Mức độ DVCTT"),
    ] = None
    fee: Annotated[
        float | None,
        Parse(Money()),
        H("Phí, lệ phí", "Phí lệ phí", "Tổng phí, lệ phí đã nộp", "Thu phí, lệ phí (VNĐ)",
          "Số tiền", "Phí, lệ phí (VNĐ)", "Tổng phí lệ phí"),
        AltSource("fee_part", ("Phí", "Phí (VNĐ)", "Lệ phí", "Lệ phí (VNĐ)", "Phí (đồng)",
                               "Lệ phí (đồng)"), Money(), combine="sum"),
    ] = None
    online_payment: Annotated[
        bool | None,
        BOOL,
        H("Thanh toán trực tuyến", "Đã thanh toán trực tuyến", "TT trực tuyến"),
        AltSource("payment_method", ("Hình thức thanh toán", "Phương thức thanh toán"),
                  Boolean(name="payment_method", table=vocab.PAYMENT_METHOD, blank_false=True)),
    ] = None
    digitised_dossier: Annotated[
        bool | None, BOOL,
        H("Số hóa hồ sơ", "Số hoá hồ sơ", "Đã số hóa hồ sơ", "Số hóa thành phần hồ sơ"),
    ] = None
    digitised_result: Annotated[
        bool | None, BOOL,
        H("Số hóa kết quả", "Số hóa kết quả giải quyết", "Kết quả điện tử", "Đã số hóa kết quả"),
    ] = None
    apology_letter: Annotated[
        bool | None, BOOL, H("Văn bản xin lỗi", "Phiếu xin lỗi", "Thư xin lỗi"),
    ] = None
    time_limit_days: Annotated[
        float | None,
        Parse(WorkingDays()),
        H("Thời hạn quy định", "Số ngày QĐ", "Thời hạn giải quyết", "Thời hạn xử lý",
          "Số ngày quy định", exclude=("Số ngày quá hạn",)),
    ] = None
    # issue 14 (QĐ 766 index): indicator 1.4 and 5.4
    synced_national: Annotated[
        bool | None, BOOL,
        H("Đồng bộ Cổng DVCQG", "Đã đồng bộ DVCQG", "Đồng bộ lên Cổng DVCQG", "Đồng bộ DVCQG",
          "Đã đồng bộ", "Đồng bộ Cổng Dịch vụ công quốc gia"),
    ] = None
    complaint: Annotated[
        bool | None, BOOL,
        H("Phản ánh, kiến nghị", "Có phản ánh, kiến nghị", "Phản ánh kiến nghị", "Khiếu nại", "Có khiếu nại"),
    ] = None
    satisfaction: Annotated[
        Satisfaction | None,
        Parse(Vocab(name="satisfaction", table=SATISFACTION)),
        H("Mức độ hài lòng", "Đánh giá hài lòng", "Kết quả đánh giá", "Đánh giá của người dân",
          "Đánh giá mức độ hài lòng"),
    ] = None

    # Dates no export can hold. validate._date_order is the column-at-a-time twin of these.
    @field_validator("received_at")
    @classmethod
    def _receipt_not_in_the_future(cls, v: dt.datetime) -> dt.datetime:
        if v.date() > today():
            raise ParseError("future_date")
        return v

    @field_validator("finished_at")
    @classmethod
    def _finish_possible(cls, v: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        if v is None:
            return v
        if v.date() > today():
            raise ParseError("future_date")
        rec = info.data.get("received_at")
        if rec is not None and finished_before(v, rec):
            raise ParseError("finished_before_received")
        return v


class CatalogueRecord(BaseModel):
    """One procedure of a procedure catalogue (danh mục TTHC), inputs.md "Procedure catalogue"."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    procedure_code: Annotated[str, ID, H("Mã thủ tục", "Mã TTHC", "Mã số", "Mã thủ tục hành chính", "Mã số TTHC")]
    procedure_name: Annotated[
        str | None, TEXT, H("Tên thủ tục", "Tên TTHC", "Tên thủ tục hành chính")
    ] = None
    level: Annotated[Level, Parse(Vocab(name="level", table=vocab.LEVEL)), H("Cấp thực hiện", "Cấp")]
    field: Annotated[str | None, TEXT, H("Lĩnh vực", "Tên lĩnh vực")] = None
    service_level: Annotated[
        ServiceLevel,
        Parse(Vocab(name="service_level", table=vocab.SERVICE_LEVEL)),
        H("Mức độ", "Mức độ DVC", "Mức độ DVCTT", "Loại DVC", "Mức độ dịch vụ công",
          "Mức độ cung cấp dịch vụ công trực tuyến"),
    ]
    eligible_full_online: Annotated[
        bool | None, Parse(Boolean(name="boolean", table=vocab.BOOLEAN)),
        H("Đủ điều kiện toàn trình", "Đủ điều kiện", "Đủ điều kiện cung cấp toàn trình"),
    ] = None
    time_limit_days: Annotated[
        float | None, Parse(WorkingDays()),
        H("Thời hạn giải quyết", "Thời gian giải quyết", "Số ngày quy định", "Thời hạn quy định"),
    ] = None
    unit: Annotated[str | None, TEXT, H("Cơ quan thực hiện", "Đơn vị", "Cơ quan giải quyết")] = None
    # issue 14 (QĐ 766 index): indicators 4.1 and the online-payment group
    paper_result: Annotated[
        bool | None, Parse(Boolean(name="boolean", table=vocab.BOOLEAN)),
        H("Kết quả là giấy tờ", "Kết quả bản giấy", "Kết quả giải quyết là giấy tờ", "Kết quả giấy"),
    ] = None
    fee_bearing: Annotated[
        bool | None, Parse(Boolean(name="boolean", table=vocab.BOOLEAN)),
        H("Có phí, lệ phí", "Có phí lệ phí", "Có nghĩa vụ tài chính", "TTHC có phí"),
    ] = None


class Signature(Vocab):
    pass


class DocumentRecord(BaseModel):
    """One outgoing document of a register (sổ văn bản đi), inputs.md "Outgoing-document register"."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    document_id: Annotated[
        str, ID,
        H("Số, ký hiệu văn bản", "Số ký hiệu", "Số, ký hiệu", "Số và ký hiệu", "Số & ký hiệu văn bản",
          "Số văn bản", "Số ký hiệu văn bản"),
    ]
    issued_at: Annotated[
        dt.datetime, DATE,
        H("Ngày tháng văn bản", "Ngày, tháng VB", "Ngày ban hành", "Ngày văn bản", "Ngày ký", "Ngày tháng VB"),
    ]
    unit: Annotated[str | None, TEXT, H("Đơn vị", "Cơ quan ban hành", "Đơn vị soạn thảo", "Đơn vị ban hành")] = None
    signature: Annotated[
        Literal["none", "one", "two"] | None,
        Parse(Vocab(name="signature", table=vocab.SIGNATURE)),
        H("Ký số", "Chữ ký số", "Hình thức ký", "Hình thức ký số"),
    ] = None
    interconnect: Annotated[
        bool | None, BOOL, H("Gửi qua trục liên thông", "Liên thông", "Trục LGSP/VDXP", "Gửi liên thông"),
    ] = None


class LogbookRecord(BaseModel):
    """Paper logbook counts (sổ theo dõi): dossiers recorded on paper per unit and period."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    unit: Annotated[str, TEXT, H("Đơn vị", "Tên đơn vị", "Cơ quan", "Đơn vị tiếp nhận")]
    period: Annotated[str, TEXT, H("Kỳ", "Kỳ báo cáo", "Tháng", "Thời gian", "Period")]
    count: Annotated[
        float, Parse(Money()),
        H("Số hồ sơ tiếp nhận", "Số hồ sơ", "Số lượng", "Tổng số hồ sơ", "Số hồ sơ trên sổ", "Count"),
    ]


@dataclass(frozen=True)
class FieldSpec:
    name: str
    required: bool
    parser: Parser
    headers: Headers
    alts: tuple[AltSource, ...]


@cache
def field_specs(model: type[BaseModel]) -> tuple[FieldSpec, ...]:
    """The fields of an input model, in declaration order, with their parser, header
    spellings and alternative sources, read from the annotations."""
    out = []
    for name, info in model.model_fields.items():
        parser = next(m.parser for m in info.metadata if isinstance(m, Parse))
        headers = next((m for m in info.metadata if isinstance(m, Headers)), Headers(()))
        alts = tuple(m for m in info.metadata if isinstance(m, AltSource))
        out.append(FieldSpec(name, info.is_required(), parser, headers, alts))
    return tuple(out)


def spec_of(model: type[BaseModel], name: str) -> FieldSpec:
    return next(f for f in field_specs(model) if f.name == name)


INPUT_KINDS: dict[str, type[BaseModel]] = {
    "dossiers": DossierRecord, "catalogue": CatalogueRecord, "documents": DocumentRecord, "logbook": LogbookRecord,
}
KIND_OF_MODEL = {m: k for k, m in INPUT_KINDS.items()}
