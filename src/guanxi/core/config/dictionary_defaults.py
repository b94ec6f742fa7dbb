"""The dictionary types Guanxi ships (SPEC §2.1 and the modules' enumerations), with their first items.

Item codes are stable English slugs (the API and imports use them); labels are the business's
language, Chinese here, and administrators rename, reorder or disable them freely."""

from django.utils.translation import gettext_lazy as _

from .dictionary import register_dictionary_type


def register_defaults() -> None:
    for code, label, items in DEFAULT_TYPES:
        register_dictionary_type(code, label, items)


DEFAULT_TYPES = [
    (
        "industry",
        _("Industry"),
        [
            ("manufacturing", "制造业"),
            ("it", "信息技术"),
            ("finance", "金融"),
            ("trade", "批发零售"),
            ("construction", "建筑房地产"),
            ("education", "教育"),
            ("healthcare", "医疗健康"),
            ("government", "政府机关"),
            ("automotive", "汽车"),
            ("logistics", "交通物流"),
            ("energy", "能源化工"),
            ("services", "商务服务"),
            ("other", "其他"),
        ],
    ),
    (
        "customer_source",
        _("Customer source"),
        [
            ("telemarketing", "电话营销"),
            ("online", "网络营销"),
            ("referral", "客户推荐"),
            ("introduction", "关系介绍"),
            ("sub_dealer", "二网介绍"),
            ("exhibition", "展会"),
            ("walk_in", "自然到店"),
            ("other", "其他"),
        ],
    ),
    (
        "company_nature",
        _("Company nature"),
        [
            ("joint_venture", "合资"),
            ("state_owned", "国企"),
            ("public_institution", "事业单位"),
            ("private", "民营"),
            ("other", "其他"),
        ],
    ),
    (
        "revenue_band",
        _("Annual revenue"),
        [
            ("under_1m", "100万以下"),
            ("1m_10m", "100万–1000万"),
            ("10m_50m", "1000万–5000万"),
            ("50m_100m", "5000万–1亿"),
            ("100m_1b", "1亿–10亿"),
            ("over_1b", "10亿以上"),
        ],
    ),
    (
        "employee_band",
        _("Number of employees"),
        [
            ("under_20", "20人以下"),
            ("20_99", "20–99人"),
            ("100_499", "100–499人"),
            ("500_999", "500–999人"),
            ("1000_plus", "1000人以上"),
        ],
    ),
    (
        "credit_rating",
        _("Credit rating"),
        [("aaa", "AAA 优秀"), ("aa", "AA 良好"), ("a", "A 一般"), ("b", "B 较差"), ("c", "C 差")],
    ),
    (
        "satisfaction",
        _("Satisfaction"),
        [
            ("very_satisfied", "非常满意"),
            ("satisfied", "满意"),
            ("neutral", "一般"),
            ("dissatisfied", "不满意"),
            ("very_dissatisfied", "非常不满意"),
        ],
    ),
    (
        "return_reason",
        _("Reason for returning to the pool"),
        [
            ("no_need", "暂无需求"),
            ("unreachable", "联系不上"),
            ("wrong_contact", "联系方式错误"),
            ("not_my_region", "非本人负责区域"),
            ("competitor_won", "已选择竞争对手"),
            ("other", "其他"),
        ],
    ),
    (
        "followup_channel",
        _("Follow-up channel"),
        [
            ("phone", "电话"),
            ("visit", "上门拜访"),
            ("showroom", "到店"),
            ("wechat", "微信"),
            ("email", "邮件"),
            ("sms", "短信"),
            ("meeting", "会议"),
            ("other", "其他"),
        ],
    ),
    (
        "customer_feedback",
        _("Customer feedback"),
        [
            ("interested", "有意向"),
            ("considering", "考虑中"),
            ("waiting_price_drop", "等待降价"),
            ("unavailable", "型号/颜色无货"),
            ("comparing", "比较其他品牌"),
            ("budget", "预算不足"),
            ("concerns", "有顾虑"),
            ("not_interested", "无意向"),
        ],
    ),
    (
        "loss_reason",
        _("Loss reason"),
        [
            ("price", "价格偏高"),
            ("product", "产品不满足需求"),
            ("competitor", "竞争对手关系更好"),
            ("service", "服务不满意"),
            ("timing", "项目延期或取消"),
            ("budget", "预算不足"),
            ("other", "其他"),
        ],
    ),
    (
        "churn_reason",
        _("Churn reason"),
        [
            ("price", "价格原因"),
            ("service", "服务不满意"),
            ("competitor", "转向竞争对手"),
            ("no_need", "不再需要"),
            ("closed", "客户停业或搬迁"),
            ("other", "其他"),
        ],
    ),
    (
        "ticket_type",
        _("Ticket type"),
        [
            ("consultation", "咨询"),
            ("suggestion", "建议"),
            ("complaint", "投诉"),
            ("repair", "维修/故障"),
            ("visit", "回访"),
            ("other", "其他"),
        ],
    ),
    (
        "ticket_channel",
        _("Ticket channel"),
        [
            ("phone_in", "电话呼入"),
            ("phone_out", "电话外呼"),
            ("web", "网站"),
            ("email", "邮件"),
            ("wechat", "微信"),
            ("on_site", "现场"),
        ],
    ),
    (
        "contact_role",
        _("Contact's decision role"),
        [
            ("decision_maker", "决策者"),
            ("influencer", "影响者"),
            ("user", "使用者"),
            ("gatekeeper", "把关者"),
        ],
    ),
    (
        "campaign_type",
        _("Campaign type"),
        [
            ("exhibition", "展会"),
            ("seminar", "研讨会"),
            ("online", "线上推广"),
            ("mailing", "邮件营销"),
            ("telemarketing", "电话营销"),
            ("other", "其他"),
        ],
    ),
    (
        "expense_category",
        _("Expense category"),
        [
            ("travel", "差旅费"),
            ("entertainment", "招待费"),
            ("transport", "交通费"),
            ("gifts", "礼品费"),
            ("communication", "通讯费"),
            ("other", "其他"),
        ],
    ),
]
