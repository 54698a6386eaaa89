"""The wording of the province report (báo cáo), which is always written in Vietnamese: it
is an administrative document sent to VGCL and the provincial Party committee, whatever
language the person who prints it reads the app in. Numbers are written the Vietnamese way
(1.250; 12,5).

The page (templates/review/report.html) and the DOCX (report_doc.py) both take their text
from here, so they read the same.
"""

from __future__ import annotations

from babel.numbers import format_decimal

from survey_app.models.findings import FindingKind

MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
DRAFT_MARK = "DỰ THẢO"
DOCUMENT_TYPE = "BÁO CÁO"
NUMBER_LINE = "Số:       /BC-LĐLĐ"
RESULTS_HEADING = "Kết quả đạt được"
KIND_HEADINGS = {
    FindingKind.STRENGTH: "Ưu điểm",
    FindingKind.LIMITATION: "Hạn chế, yếu kém",
    FindingKind.CAUSE: "Nguyên nhân",
    FindingKind.LESSON: "Bài học kinh nghiệm",
    FindingKind.SOLUTION: "Định hướng, nhiệm vụ, giải pháp",
    FindingKind.RECOMMENDATION: "Kiến nghị",
}
PLACEHOLDER = "(Chưa có nội dung được duyệt cho mục này.)"
NO_FIGURES = "(chưa có đơn vị nào báo cáo số liệu này)"
APPENDIX_HEADING = "PHỤ LỤC SỐ LIỆU"
APPENDIX_COLUMNS = ("TT", "Chỉ tiêu", "Đơn vị tính", "Năm gốc", "Hiện nay", "Tăng, giảm",
                    "Tỷ lệ (%)", "Đơn vị báo cáo")
SIGNER_FOR = "TM. BAN THƯỜNG VỤ"
SIGNER_TITLE = "CHỦ TỊCH"
RECIPIENTS_HEADING = "Nơi nhận:"
HIDDEN = "ẩn (dưới {n} người trả lời)"
DRAFT_NOTE = ("Bản dự thảo: còn nội dung chưa được Ban Tổ chức duyệt hoặc còn đơn vị chưa gửi "
              "báo cáo.")


def number(value: float | int | None) -> str:
    """1250.5 → "1.250,5"; None → "–"."""
    if value is None:
        return "–"
    if float(value).is_integer():
        value = int(value)
    return format_decimal(round(value, 2) if isinstance(value, float) else value, locale="vi")


def signed(value: float | None) -> str:
    if value is None:
        return "–"
    return ("+" if value > 0 else "") + number(value)


def percent(value: float | None) -> str:
    return "–" if value is None else signed(value) + " %"


def place_of(province_name: str) -> str:
    """The place on the date line: "Liên đoàn Lao động tỉnh Kon Tum" → "Kon Tum"."""
    lowered = province_name.lower()
    for marker in ("tỉnh ", "thành phố "):
        index = lowered.find(marker)
        if index >= 0:
            return province_name[index + len(marker):].strip()
    return province_name


def date_line(place: str, year: int) -> str:
    """Left blank for the day and month, which the clerk writes when the report is signed."""
    return f"{place}, ngày      tháng      năm {year}"


def recipients(issuer_parent: str, department: str | None) -> list[str]:
    lines = []
    if issuer_parent:
        lines.append(f"- {issuer_parent} (b/c);")
    lines.append("- Thường trực Tỉnh ủy (b/c);")
    if department:
        lines.append(f"- {department};")
    lines.append("- Lưu: VT.")
    return lines


def title_lines(campaign_name: str, area_title: str | None) -> list[str]:
    lines = [campaign_name]
    if area_title:
        lines.append(f"Nội dung {area_title}")
    return lines


def figure_sentence(item, locale: str = "vi") -> str:
    """One indicator's figures compared: "…: Năm 2008: 120; Năm 2017: 180 (bản thỏa ước);
    tăng 60 (+50 %)"."""
    indicator = item.indicator
    unit = f" {indicator.unit.get(locale)}" if indicator.unit else ""
    base = indicator.baseline_label.get(locale) if indicator.baseline_label else "Năm gốc"
    now = indicator.current_label.get(locale) if indicator.current_label else "Hiện nay"
    total = item.total
    if total.is_empty:
        return f"{indicator.label.get(locale)}: {NO_FIGURES}"
    text = (f"{indicator.label.get(locale)}: {base.lower()}: {number(total.baseline)}{unit}; "
            f"{now.lower()}: {number(total.current)}{unit}")
    change = total.change
    if change is not None:
        word = "tăng" if change > 0 else "giảm" if change < 0 else "không đổi"
        text += f"; {word} {number(abs(change))}" if change else f"; {word}"
        if total.change_pct is not None and change:
            text += f" ({percent(total.change_pct)})"
    return text + "."


def choice_sentence(question, locale: str = "vi", threshold: int = 5) -> str:
    """A choice question's result in one line: "Label: A 12 (60 %), B 8 (40 %)"."""
    label = question.label.get(locale)
    if question.parent_label is not None:
        label = f"{question.parent_label.get(locale)} – {label}"
    if question.suppressed:
        return f"{label}: {HIDDEN.format(n=threshold)}."
    parts = []
    for choice in question.choices:
        n = (question.counts or {}).get(choice.value)
        if n:
            parts.append(f"{choice.label.get(locale)} {number(n)} "
                         f"({number((question.percent or {}).get(choice.value))} %)")
    if not parts:
        return f"{label}: chưa có câu trả lời."
    return f"{label}: " + "; ".join(parts) + "."


def results_lines(resolver, campaign, area: str, province_appendix, locale: str) -> list[str]:
    """The results section: the area's indicators compared (the appendix), then what the
    inspections and the workers' poll found, each with how many answered."""
    from survey_app.campaigns.services import config_of

    lines = [figure_sentence(item, locale) for item in province_appendix.indicators
             if item.indicator.area == area and not item.total.is_empty]
    if lines:
        lines.insert(0, f"Số liệu tổng hợp từ báo cáo của {len(province_appendix.units_reporting)}"
                        f"/{len(province_appendix.units_expected)} đơn vị:")
    config = config_of(campaign)
    province = resolver.tree.province()
    for role, intro in (("inspection", "Qua kiểm tra tại {units} đơn vị ({n} phiếu):"),
                        ("worker_poll", "Ý kiến của đoàn viên, người lao động ({n} phiếu):")):
        key = config.surveys.get(role)
        if not key:
            continue
        figures = resolver.results(key, province)
        chosen = [q for q in figures.questions
                  if q.area == area and q.is_choice and (q.suppressed or q.responses)]
        if not chosen or not figures.responses:
            continue
        lines.append(intro.format(units=number(figures.units), n=number(figures.responses)))
        lines.extend("- " + choice_sentence(q, locale, resolver.threshold) for q in chosen)
    return lines


def evidence_sentence(view, locale: str = "vi") -> str:
    """What a finding cites, in words, for the report."""
    if view.indicator is not None:
        return figure_sentence(view.indicator, locale)
    if view.question is not None:
        question = view.question
        if question.is_choice:
            return choice_sentence(question, locale)
        if question.mean is not None:
            return (f"{view.label}: bình quân {number(question.mean)}, trung vị "
                    f"{number(question.median)} ({number(question.responses)} phiếu).")
        return f"{view.label}."
    if view.response is not None:
        day = view.response["day"].strftime("%d/%m/%Y") if view.response["day"] else ""
        return f"{view.response['title']} của {view.response['unit'] or '?'} ({day})."
    return view.label
