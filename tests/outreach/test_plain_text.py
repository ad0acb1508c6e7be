"""The text/plain part of a mail, read from its HTML by a parser: what a reader sees."""

from shuangsui.documents import notices
from shuangsui.documents.markup import parse
from shuangsui.outreach.plain_text import html_to_text


def test_a_task_sheet_page_reads_as_paragraphs_and_table_rows_without_its_css():
    blocks = parse(
        "@header 淄博高新技术产业开发区安全生产监督管理局\n"
        "@title 执法检查任务单\n"
        "@to 张伟同志（执法证号：鲁37031723055）：\n"
        "你参加抽查任务 2026-WH-01 的执法检查。\n"
        "@table 序号|单位名称（统一社会信用代码）\n"
        "@row 1|淄博某某化工有限公司 <91370303MA3C1234X2>\n"
        "@sign 淄博高新区安监局\n"
        "@date 2026年12月1日"
    )
    html = notices.html_text(blocks, title="执法检查任务单", kind="task_sheet")
    assert "<style>" in html and "body { margin: 0" in html
    text = html_to_text(html)
    assert "{" not in text and "margin" not in text
    assert text.startswith("淄博高新技术产业开发区安全生产监督管理局\n\n执法检查任务单\n\n")
    assert (
        "序号 | 单位名称（统一社会信用代码）\n1 | 淄博某某化工有限公司 <91370303MA3C1234X2>\n"
        in text
    )
    assert text.endswith("淄博高新区安监局\n\n2026年12月1日\n")


def test_line_breaks_lists_links_and_preformatted_text_are_kept():
    html = (
        "<html><head><title>标题</title><script>var x = {a: 1};</script></head><body>"
        "<p>第一行<br>第二行</p><ul><li>甲</li><li>乙 <a href='http://h/x'>打开</a></li></ul>"
        "<ol><li>一</li><li>二</li></ol><pre>  缩进\n  保留</pre>"
        "<p>来信 <a href='mailto:a@b.cn'>a@b.cn</a>　&lt;转义&gt;&amp;</p></body></html>"
    )
    assert html_to_text(html) == (
        "第一行\n第二行\n\n- 甲\n- 乙 打开 <http://h/x>\n\n1. 一\n2. 二\n\n"
        "  缩进\n  保留\n\n来信 a@b.cn　<转义>&\n"
    )
