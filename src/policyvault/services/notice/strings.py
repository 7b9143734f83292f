"""The fixed words of the privacy notice, as (English, Korean) pairs: one table, so neither
language can lack a string. Korean follows the headings of the PIPC privacy-policy guide."""

from __future__ import annotations

UI_STRINGS: dict[str, tuple[str, str]] = {
    "title": ("{controller} Privacy Policy", "{controller} 개인정보 처리방침"),
    "intro": (
        "{controller} has established and publishes this privacy policy, in accordance with "
        "{laws}, to protect the personal information of data subjects and to handle their "
        "complaints about it promptly and smoothly.",
        "{controller}는 {laws} 등 관련 법령에 따라 정보주체의 개인정보를 보호하고 이와 관련한 "
        "고충을 신속하고 원활하게 처리할 수 있도록 하기 위하여 다음과 같이 개인정보 처리방침을 "
        "수립·공개합니다.",
    ),
    # The controller's name and the term the notice calls it by: "X (the "Company")". A name
    # that already ends in parentheses takes the term inside them: "X (LG CNS, the ...)".
    "defined_term": ('the "Company"', '이하 "회사"'),
    "defined": ("{name} ({term})", "{name}({term})"),
    "defined_inside": ("{name}, {term})", "{name}, {term})"),
    "contents": ("Contents", "목차"),
    "numbered": ("{n}. {title}", "제{n}조({title})"),
    # A Korean title with parentheses of its own is not wrapped in another pair.
    "numbered_plain": ("{n}. {title}", "제{n}조 {title}"),
    "not_stated": ("Not stated in this policy", "본 방침에 명시되지 않음"),
    "meta.version": ("Version", "버전"),
    "meta.effective": ("Effective date", "시행일"),
    "meta.services": ("Services", "적용 서비스"),
    "meta.address": ("Address", "주소"),
    "meta.website": ("Website", "홈페이지"),
    "required": ("(required)", "(필수)"),
    "optional": ("(optional)", "(선택)"),
    # Section headings.
    "s.purposes": ("Purposes of processing personal information", "개인정보의 처리 목적"),
    "s.items": ("Personal information items processed", "처리하는 개인정보의 항목"),
    "s.retention": (
        "Processing and retention periods of personal information",
        "개인정보의 처리 및 보유 기간",
    ),
    "s.destruction": (
        "Procedure and method of destroying personal information",
        "개인정보의 파기 절차 및 방법",
    ),
    "s.provision": ("Provision of personal information to third parties", "개인정보의 제3자 제공"),
    "s.entrustment": (
        "Entrustment of personal information processing",
        "개인정보 처리업무의 위탁",
    ),
    "s.transfer": ("Overseas transfer of personal information", "개인정보의 국외 이전"),
    "s.rights": (
        "Rights and duties of data subjects and their legal representatives, and how to "
        "exercise them",
        "정보주체와 법정대리인의 권리·의무 및 행사방법",
    ),
    "s.children": ("Personal information of children", "아동의 개인정보 보호"),
    "s.safety": (
        "Measures to ensure the safety of personal information",
        "개인정보의 안전성 확보조치",
    ),
    "s.cookies": (
        "Installation, operation and refusal of automatic collection devices (cookies)",
        "개인정보 자동 수집 장치의 설치·운영 및 거부에 관한 사항",
    ),
    "s.breach": ("Notification of personal information breaches", "개인정보 유출 등의 통지"),
    "s.ccpa": (
        "Additional notice for California residents (CCPA)",
        "CCPA에 따른 캘리포니아 주민 대상 추가 고지",
    ),
    "s.officer": ("Privacy officer", "개인정보 보호책임자"),
    "s.remedies": ("Remedies for infringement of rights", "권익침해 구제방법"),
    "s.changes": ("Changes to this privacy policy", "개인정보 처리방침의 변경"),
    # Laws.
    "law_in_text": ("the {law}", "{law}"),
    "law.kr-pipa": ("Personal Information Protection Act of Korea", "「개인정보 보호법」"),
    "law.eu-gdpr": (
        "EU General Data Protection Regulation (GDPR)",
        "EU 일반 개인정보 보호법(GDPR)",
    ),
    "law.uk-gdpr": (
        "UK General Data Protection Regulation",
        "영국 일반 개인정보 보호법(UK GDPR)",
    ),
    "law.us-ccpa": (
        "California Consumer Privacy Act (CCPA)",
        "캘리포니아 소비자 개인정보 보호법(CCPA)",
    ),
    "law.us-coppa": (
        "Children's Online Privacy Protection Act (COPPA)",
        "아동 온라인 개인정보 보호법(COPPA)",
    ),
    # Purposes and lawful bases.
    "purposes.intro": (
        "The Company processes personal information for the following purposes. It is not "
        "used for any other purpose; if a purpose changes, the Company takes the necessary "
        "measures, such as asking for separate consent.",
        "회사는 다음의 목적을 위하여 개인정보를 처리합니다. 처리하고 있는 개인정보는 다음의 "
        "목적 이외의 용도로는 이용되지 않으며, 이용 목적이 변경되는 경우에는 별도의 동의를 "
        "받는 등 필요한 조치를 이행합니다.",
    ),
    "purposes.caption": ("Purposes of processing and their lawful bases", "처리 목적 및 처리 근거"),
    "purposes.headers": (
        "Purpose|Details|Items|Lawful basis",
        "처리 목적|세부 내용|처리 항목|처리 근거",
    ),
    "direct_marketing": (
        "Direct marketing: you may object to it at any time.",
        "광고성 정보 전송(직접 마케팅): 언제든지 거부할 수 있습니다.",
    ),
    "basis.consent": ("Consent of the data subject", "정보주체의 동의"),
    "basis.contract": ("Entering into or performing a contract", "계약의 체결·이행"),
    "basis.legal_obligation": ("Compliance with a legal obligation", "법령상 의무의 준수"),
    "basis.legitimate_interest": ("Legitimate interests", "정당한 이익"),
    "basis.vital_interest": (
        "Protection of vital interests",
        "생명·신체·재산의 이익 보호",
    ),
    "basis.public_task": ("Performance of a task in the public interest", "공공 업무의 수행"),
    "basis_with_consent": ("{basis} ({consent})", "{basis} ({consent})"),
    "basis_interest": ("{basis}: {text}", "{basis}: {text}"),
    "basis_law": ("{basis} ({law})", "{basis} ({law})"),
    "consent.collection_use": ("consent to collection and use", "수집·이용 동의"),
    "consent.third_party_provision": (
        "consent to provision to third parties",
        "제3자 제공 동의",
    ),
    "consent.out_of_purpose_use": (
        "consent to use beyond the original purpose",
        "목적 외 이용 동의",
    ),
    "consent.marketing": ("consent to receive marketing", "광고성 정보 수신 동의"),
    "consent.unique_identifier": (
        "consent to processing of unique identifiers",
        "고유식별정보 처리 동의",
    ),
    "consent.sensitive": ("consent to processing of sensitive information", "민감정보 처리 동의"),
    "consent.overseas_transfer": ("consent to overseas transfer", "국외 이전 동의"),
    "consent.cookies": ("consent to cookies", "쿠키 저장 동의"),
    # Items.
    "items.intro": (
        "The Company collects the following personal information at the following points.",
        "회사는 다음의 개인정보 항목을 다음의 경로로 수집하여 처리하고 있습니다.",
    ),
    "items.caption": ("Items collected at each collection point", "수집 경로별 수집 항목"),
    "items.headers": (
        "Collection point|Required items|Optional items|When collected|How collected|"
        "Consents asked",
        "구분|필수항목|선택항목|수집 시기|수집 방법|동의 항목",
    ),
    "method.automatic": (
        "Collected automatically while the service is used",
        "서비스 이용 과정에서 자동 수집",
    ),
    "method.entered": ("Entered by the data subject ({kind})", "정보주체가 직접 입력 ({kind})"),
    "kind.sign_up": ("sign-up", "회원가입"),
    "kind.log_in": ("log-in", "로그인"),
    "kind.contact_form": ("contact form", "문의 양식"),
    "kind.inquiry": ("inquiry", "문의"),
    "kind.order": ("order", "주문"),
    "kind.payment": ("payment", "결제"),
    "kind.survey": ("survey", "설문조사"),
    "kind.upload": ("upload", "파일 업로드"),
    "kind.identity_check": ("identity check", "본인 확인"),
    "kind.automatic": ("automatic collection", "자동 수집"),
    "kind.other": ("other", "기타"),
    "categories.title": ("Categories of personal information", "개인정보의 분류"),
    "categories.caption": ("What each category contains", "분류별 포함 항목"),
    "categories.headers": ("Category|Description|Items", "분류|설명|항목"),
    "sensitive.title": (
        "Sensitive information and unique identifiers",
        "민감정보 및 고유식별정보 등",
    ),
    "sensitive.caption": ("Items that need special protection", "특별히 보호하는 항목"),
    "sensitive.headers": ("Item|Kind", "항목|구분"),
    "sensitive.encrypted": (
        "These items are always stored encrypted; passwords are stored only in a form that "
        "cannot be decrypted.",
        "이 항목은 항상 암호화하여 저장하며, 비밀번호는 복호화할 수 없도록 일방향 암호화하여 "
        "저장합니다.",
    ),
    "sensitivity.password": ("Password", "비밀번호"),
    "sensitivity.unique_identifier": ("Unique identifier", "고유식별정보"),
    "sensitivity.financial": ("Financial information", "금융정보"),
    "sensitivity.special_category": ("Sensitive information", "민감정보"),
    "sensitivity.child_data": ("Children's personal information", "아동의 개인정보"),
    # Retention.
    "retention.intro": (
        "The Company processes and keeps personal information within the retention period "
        "set by law or agreed to by the data subject when it was collected.",
        "회사는 법령에 따른 개인정보 보유·이용기간 또는 정보주체로부터 개인정보를 수집 시에 "
        "동의받은 개인정보 보유·이용기간 내에서 개인정보를 처리·보유합니다.",
    ),
    "retention.caption": ("Retention period for each purpose", "처리 목적별 보유 기간"),
    "retention.headers": (
        "Purpose|Items|Retention period|At the end of the period|Notes",
        "처리 목적|항목|보유 기간|보유 기간 경과 후|비고",
    ),
    "until": ("until {event}", "{event} 시까지"),
    "after": ("{period} after {event}", "{event} 후 {period}"),
    # A period whose start the policy does not state: the period alone.
    "period_alone": ("{period}", "{period}"),
    "after_period": ("after {period}", "{period} 경과 시"),
    "until_or": (
        "until {event}, or {after} if that comes first",
        "{event} 시 또는 {after} 중 먼저 도래하는 때까지",
    ),
    "then.delete": ("Destroyed", "파기"),
    "then.anonymise": ("Anonymised", "익명처리"),
    "statutory.title": ("Records kept as required by law", "관계 법령에 따른 보존"),
    "statutory.intro": (
        "Where a law or the Company's stated policy requires records to be kept, the Company "
        "keeps them separately for the period below and uses them for no other purpose.",
        "관계 법령 등에 따라 보존할 필요가 있는 경우 회사는 아래와 같이 정한 기간 동안 해당 "
        "정보를 별도로 보관하며, 다른 목적으로는 이용하지 않습니다.",
    ),
    "statutory.caption": ("Records kept by law", "법령 등에 따라 보존하는 기록"),
    "statutory.headers": (
        "Record|Legal basis|Retention period|Counted from|Items",
        "보존 기록|근거 법령|보존 기간|기산 시점|항목",
    ),
    "company_policy": ("Company policy: {reason}", "회사 내부 방침: {reason}"),
    "separate_from": ("kept separately after {event}", "{event} 후 분리 보관"),
    "holds.title": ("Retention beyond these periods", "보유 기간의 예외"),
    "holds.intro": (
        "In the following cases personal information is kept beyond its period, until the "
        "reason ends:",
        "다음의 사유에 해당하는 경우에는 해당 사유가 종료될 때까지 개인정보를 보유합니다.",
    ),
    # Destruction.
    "destruction.within": (
        "When personal information is no longer needed because its retention period has "
        "ended or its purpose has been achieved, the Company destroys it within {days}.",
        "회사는 개인정보 보유기간의 경과, 처리목적 달성 등 개인정보가 불필요하게 되었을 "
        "때에는 {days} 이내에 해당 개인정보를 파기합니다.",
    ),
    "destruction.now": (
        "When personal information is no longer needed because its retention period has "
        "ended or its purpose has been achieved, the Company destroys it without delay.",
        "회사는 개인정보 보유기간의 경과, 처리목적 달성 등 개인정보가 불필요하게 되었을 "
        "때에는 지체 없이 해당 개인정보를 파기합니다.",
    ),
    "destruction.approval": (
        "Destruction is carried out with the approval of {approver}.",
        "파기는 {approver}의 승인을 받아 진행합니다.",
    ),
    "destruction.automatic": (
        "Destruction is carried out automatically when it falls due.",
        "파기 기한이 도래하면 자동으로 파기합니다.",
    ),
    "approver.privacy_officer": ("the privacy officer", "개인정보 보호책임자"),
    "destruction.separate": (
        "Where another law requires personal information to be kept after its retention "
        "period has ended or its purpose has been achieved, it is moved to a separate "
        "database, kept apart from other personal information.",
        "보유기간이 경과하거나 처리목적이 달성되었음에도 불구하고 다른 법령에 따라 "
        "개인정보를 계속 보존하여야 하는 경우에는, 해당 개인정보를 별도의 데이터베이스(DB)로 "
        "옮기거나 보관장소를 달리하여 보존합니다.",
    ),
    "destruction.procedure": ("Procedure", "파기 절차"),
    "destruction.method": ("Method", "파기 방법"),
    # Provision, entrustment, transfer.
    # What the notice says where the policy names nothing: that the policy names nothing,
    # never that the company does nothing.
    "provision.none": (
        "This policy names no third parties to whom personal information is provided.",
        "본 방침은 개인정보를 제공받는 제3자를 기재하고 있지 않습니다.",
    ),
    "provision.caption": ("Recipients of personal information", "개인정보를 제공받는 자"),
    "provision.headers": (
        "Recipient|Recipient's purpose|Items provided|Retention by the recipient|Countries|Basis",
        "제공받는 자|제공받는 자의 이용 목적|제공 항목|제공받는 자의 보유·이용 기간|국가|제공 근거",
    ),
    "provision.sale": ("A sale or sharing under the CCPA", "CCPA상 판매 또는 공유에 해당"),
    "provision.exceptions": ("Exceptions", "예외 사항"),
    "entrustment.abroad_only": (
        "Every processor this policy names is abroad: the entrusted companies, their tasks "
        "and countries are listed under the overseas transfer of personal information.",
        "본 방침에 기재된 수탁자는 모두 국외에 있으며, 수탁자와 위탁업무 내용 및 이전 국가는 "
        "개인정보의 국외 이전 항목에 기재되어 있습니다.",
    ),
    "entrustment.none": (
        "This policy names no processors to whom the processing of personal information is "
        "entrusted.",
        "본 방침은 개인정보 처리업무를 위탁받는 수탁자를 기재하고 있지 않습니다.",
    ),
    "entrustment.intro": (
        "The Company entrusts the following personal information processing tasks to the "
        "processors below.",
        "회사는 원활한 개인정보 업무처리를 위하여 다음과 같이 개인정보 처리업무를 위탁하고 "
        "있습니다.",
    ),
    "entrustment.caption": ("Processors and the tasks entrusted to them", "수탁자 및 위탁 업무"),
    "entrustment.headers": (
        "Processor|Task entrusted|Items|Countries|Retention|Contact",
        "수탁자|위탁 업무의 내용|처리 항목|처리 국가|보유 및 이용 기간|연락처",
    ),
    "transfer.none": (
        "This policy names no overseas transfer of personal information.",
        "본 방침은 개인정보의 국외 이전을 기재하고 있지 않습니다.",
    ),
    "transfer.intro": (
        "The Company transfers personal information overseas as follows.",
        "회사는 다음과 같이 개인정보를 국외로 이전하고 있습니다.",
    ),
    "transfer.caption": ("Overseas transfers", "국외 이전 현황"),
    "transfer.headers": (
        "Recipient|Countries|Items transferred|When|How|Purpose|Retention|Contact|Basis|"
        "How to refuse, and what follows",
        "이전받는 자|이전되는 국가|이전 항목|이전 시기|이전 방법|이전받는 자의 이용 목적|"
        "보유·이용 기간|연락처|이전 근거|거부 방법 및 거부 시 효과",
    ),
    # Rights.
    "rights.intro": (
        "Data subjects may exercise the following rights against the Company at any time.",
        "정보주체는 회사에 대해 언제든지 다음의 개인정보 보호 관련 권리를 행사할 수 있습니다.",
    ),
    "right.access": ("Access to personal information", "개인정보 열람 요구"),
    "right.correction": ("Correction of personal information", "개인정보 정정 요구"),
    "right.deletion": ("Deletion of personal information", "개인정보 삭제 요구"),
    "right.restriction": ("Suspension of processing", "개인정보 처리정지 요구"),
    "right.objection": ("Objection to processing", "개인정보 처리에 대한 이의 제기"),
    "right.portability": ("Data portability", "개인정보 전송 요구"),
    "right.withdraw_consent": ("Withdrawal of consent", "동의 철회"),
    "right.opt_out_sale": (
        "Opting out of the sale or sharing of personal information",
        "개인정보 판매·공유 거부",
    ),
    "right.limit_sensitive": (
        "Limiting the use of sensitive personal information",
        "민감정보 이용 제한 요구",
    ),
    "right.automated_decision": (
        "Refusing, or asking for an explanation of, automated decisions",
        "자동화된 결정에 대한 거부 또는 설명 요구",
    ),
    "rights.how": ("How to exercise your rights", "권리 행사 방법"),
    "rights.how.intro": (
        "Rights may be exercised through any of the channels below; the Company acts on "
        "requests without delay.",
        "권리 행사는 아래의 방법으로 하실 수 있으며, 회사는 이에 대해 지체 없이 조치하겠습니다.",
    ),
    "rights.channels": ("Where to send requests", "권리 행사 창구"),
    "rights.headers": ("Channel|Address|Notes", "방법|연락처|비고"),
    "channel.email": ("E-mail", "전자우편"),
    "channel.phone": ("Telephone", "전화"),
    "channel.letter": ("Letter", "서면"),
    "channel.fax": ("Fax", "모사전송(팩스)"),
    "channel.web": ("Website", "웹사이트"),
    "channel.in_product": ("Within the service", "서비스 내 메뉴"),
    "rights.freeze": (
        "While a request to correct or delete personal information is being handled, the "
        "information concerned is neither used nor provided to anyone.",
        "정보주체가 개인정보의 정정 또는 삭제를 요구한 경우에는 정정 또는 삭제를 완료할 "
        "때까지 당해 개인정보를 이용하거나 제공하지 않습니다.",
    ),
    "rights.no_freeze": (
        "Personal information is not withheld from use while a request to correct or delete "
        "it is being handled.",
        "개인정보의 정정 또는 삭제 요구를 처리하는 동안에도 해당 개인정보의 이용이나 제공을 "
        "중단하지는 않습니다.",
    ),
    "agents.title": ("Exercising rights through an agent", "대리인을 통한 권리 행사"),
    "agents.allowed": (
        "Rights may also be exercised through an agent, such as a legal representative or a "
        "person authorised by the data subject.",
        "정보주체의 법정대리인이나 위임을 받은 자 등 대리인을 통하여 권리를 행사할 수도 있습니다.",
    ),
    "agents.document": (
        "What the agent must submit: {document}",
        "대리인 제출 서류: {document}",
    ),
    "agents.refused": (
        "Rights must be exercised by the data subject in person.",
        "권리는 정보주체 본인이 직접 행사하여야 합니다.",
    ),
    "rights.limits": ("Limits on these rights", "권리 행사의 제한"),
    # Children.
    "children.caption": ("Age limits", "연령 기준"),
    "children.headers": (
        "Law|Minimum age|Below the minimum age",
        "적용 법령|기준 연령|기준 연령 미만인 경우",
    ),
    "age": ("{n} years", "만 {n}세"),
    "under_age.refuse": ("Personal information is not collected", "개인정보를 수집하지 않음"),
    "under_age.guardian_consent": (
        "Collected only with the consent of a parent or legal guardian",
        "법정대리인의 동의를 받아 수집",
    ),
    "children.retention": ("Retention of children's information", "아동 개인정보의 보유"),
    # Safety.
    "safety.intro": (
        "The Company takes the following measures to ensure the safety of personal information.",
        "회사는 개인정보의 안전성 확보를 위해 다음과 같은 조치를 취하고 있습니다.",
    ),
    "safety.managerial": ("Managerial measures", "관리적 조치"),
    "safety.technical": ("Technical measures", "기술적 조치"),
    "safety.physical": ("Physical measures", "물리적 조치"),
    "access_log.title": ("Access records", "접속기록의 보관"),
    "access_log.title_tamper": (
        "Access records and their protection against tampering",
        "접속기록의 보관 및 위·변조 방지",
    ),
    "access_log.tamper": (
        "Records of access to the systems that process personal information are kept for at "
        "least {period} and protected so that they cannot be forged or altered.",
        "개인정보처리시스템에 접속한 기록을 최소 {period} 이상 보관·관리하며, 접속기록이 "
        "위조·변조되지 않도록 보호합니다.",
    ),
    "access_log.kept": (
        "Records of access to the systems that process personal information are kept for at "
        "least {period}.",
        "개인정보처리시스템에 접속한 기록을 최소 {period} 이상 보관·관리합니다.",
    ),
    "access_log.unprotected": (
        "Records of access to the systems that process personal information are kept for at "
        "least {period}; they are not protected against forgery or alteration.",
        "개인정보처리시스템에 접속한 기록을 최소 {period} 이상 보관·관리하며, 접속기록의 "
        "위조·변조 방지 조치는 하지 않습니다.",
    ),
    # Cookies.
    "cookies.none": (
        "This policy names no automatic collection devices such as cookies.",
        "본 방침은 쿠키 등 개인정보 자동 수집 장치를 기재하고 있지 않습니다.",
    ),
    "cookies.intro": (
        "The Company installs and operates the following automatic collection devices, such "
        "as cookies, which store usage information and read it back.",
        "회사는 이용 정보를 저장하고 수시로 불러오는 쿠키(cookie) 등 자동 수집 장치를 다음과 "
        "같이 설치·운영합니다.",
    ),
    "cookies.caption": ("Cookies and similar technologies", "쿠키 등 자동 수집 장치"),
    "cookies.headers": (
        "Name|Type|Provider|Category|Purpose|Duration",
        "이름|유형|제공자|분류|사용 목적|보존 기간",
    ),
    "first_party": ("The Company (first party)", "회사 (자사)"),
    "session": ("Until the browser session ends", "브라우저 종료 시까지"),
    "tracker.cookie": ("Cookie", "쿠키"),
    "tracker.pixel": ("Pixel tag", "픽셀 태그"),
    "tracker.local_storage": ("Local storage", "로컬 스토리지"),
    "tracker.sdk": ("SDK", "SDK"),
    "tracker_category.essential": ("Strictly necessary", "필수"),
    "tracker_category.functional": ("Functional", "기능"),
    "tracker_category.analytics": ("Analytics", "분석"),
    "tracker_category.marketing": ("Marketing", "마케팅"),
    "cookies.refuse": ("How to refuse cookies", "쿠키 저장을 거부하는 방법"),
    "cookies.if_refused": ("If you refuse", "거부 시 영향"),
    # Breach.
    "breach.both": (
        "If personal information is leaked, lost or stolen, the Company notifies the data "
        "subjects concerned and reports it to the competent authorities without delay.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 지체 없이 해당 정보주체에게 그 "
        "사실을 알리고 관계 기관에 신고합니다.",
    ),
    "breach.subjects": (
        "If personal information is leaked, lost or stolen, the Company notifies the data "
        "subjects concerned without delay.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 지체 없이 해당 정보주체에게 그 "
        "사실을 알립니다.",
    ),
    "breach.regulators": (
        "If personal information is leaked, lost or stolen, the Company reports it to the "
        "competent authorities without delay.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 지체 없이 관계 기관에 신고합니다.",
    ),
    "breach.law": (
        "If personal information is leaked, lost or stolen, the Company acts as the "
        "applicable law requires.",
        "개인정보의 분실·도난·유출 등이 발생한 경우 회사는 관계 법령에 따라 조치합니다.",
    ),
    "breach.channels": ("Notification channels: {text}", "통지 방법: {text}"),
    # CCPA.
    "ccpa.intro": (
        "This section applies to residents of California. In the preceding 12 months the "
        "Company has collected the following categories of personal information.",
        "이 조항은 미국 캘리포니아주 거주자에게 적용됩니다. 회사는 지난 12개월 동안 다음 "
        "범주의 개인정보를 수집하였습니다.",
    ),
    "ccpa.sources": ("Sources of personal information", "개인정보의 수집 출처"),
    "ccpa.purposes": ("Business purposes", "수집·이용의 사업 목적"),
    "ccpa.third_parties": (
        "Categories of third parties that receive personal information",
        "개인정보를 제공받는 제3자의 범주",
    ),
    "ccpa.sale": ("Sale and sharing of personal information", "개인정보의 판매 및 공유"),
    "ccpa.sells": (
        "The Company sells or shares personal information. You may opt out at any time.",
        "회사는 개인정보를 판매하거나 공유합니다. 정보주체는 언제든지 이를 거부(opt-out)할 수 "
        "있습니다.",
    ),
    "ccpa.no_sale": (
        "The Company does not sell or share personal information.",
        "회사는 개인정보를 판매하거나 공유하지 않습니다.",
    ),
    # Contacts and remedies.
    "officer.intro": (
        "The Company has designated the privacy officer below, who is responsible for the "
        "processing of personal information and handles data subjects' complaints and "
        "requests for remedies.",
        "회사는 개인정보 처리에 관한 업무를 총괄해서 책임지고, 개인정보 처리와 관련한 "
        "정보주체의 불만처리 및 피해구제 등을 위하여 아래와 같이 개인정보 보호책임자를 "
        "지정하고 있습니다.",
    ),
    "officer.caption": ("Privacy officer and departments", "개인정보 보호책임자 및 담당부서"),
    "officer.headers": (
        "Role|Name|Title|Department|Telephone|E-mail",
        "구분|성명|직책|부서|전화번호|전자우편",
    ),
    "role.officer": ("Privacy officer", "개인정보 보호책임자"),
    "role.department": ("Department in charge", "담당부서"),
    "role.representative": ("Representative", "대리인"),
    "officer.contact": (
        "You may contact the privacy officer and the departments above with any inquiry, "
        "complaint or request for remedy concerning personal information. The Company "
        "answers without delay.",
        "정보주체는 회사의 서비스를 이용하면서 발생한 모든 개인정보 보호 관련 문의, "
        "불만처리, 피해구제 등에 관한 사항을 개인정보 보호책임자 및 담당부서로 문의하실 수 "
        "있습니다. 회사는 정보주체의 문의에 대해 지체 없이 답변 및 처리하겠습니다.",
    ),
    "remedies.intro": (
        "To seek a remedy for an infringement of personal information, data subjects may "
        "apply for dispute resolution or consultation to the bodies below, which are "
        "independent of the Company.",
        "정보주체는 개인정보침해로 인한 구제를 받기 위하여 아래의 기관에 분쟁해결이나 상담 "
        "등을 신청할 수 있습니다. 아래의 기관은 회사와는 별개의 기관입니다.",
    ),
    "remedies.none": (
        "This policy names no body, other than the Company, that offers remedies.",
        "본 방침은 회사 외에 권익침해 구제를 받을 수 있는 기관을 기재하고 있지 않습니다.",
    ),
    "remedies.caption": ("Bodies that offer remedies", "권익침해 구제 기관"),
    "remedies.headers": (
        "Body|Role|Telephone|Website|Address",
        "기관|업무|전화번호|홈페이지|주소",
    ),
    # Changes.
    "changes.effective": (
        "This privacy policy (version {version}) takes effect on {date}.",
        "이 개인정보 처리방침(버전 {version})은 {date}부터 적용됩니다.",
    ),
    "changes.notice": (
        "Changes to this privacy policy are announced at least {days} before they take "
        "effect, and changes that significantly affect data subjects' rights at least "
        "{significant} before.",
        "개인정보 처리방침이 변경되는 경우 시행 {days} 전부터, 정보주체의 권리에 중요한 "
        "변경이 있는 경우에는 시행 {significant} 전부터 고지합니다.",
    ),
    "changes.significant_only": (
        "Changes to this privacy policy are announced no later than the day they take effect, "
        "and changes that significantly affect data subjects' rights at least {significant} "
        "before.",
        "개인정보 처리방침이 변경되는 경우 늦어도 시행일까지, 정보주체의 권리에 중요한 변경이 "
        "있는 경우에는 시행 {significant} 전부터 고지합니다.",
    ),
    "changes.on_effect": (
        "Changes to this privacy policy are announced no later than the day they take effect.",
        "개인정보 처리방침이 변경되는 경우 늦어도 시행일까지 고지합니다.",
    ),
    "changes.channel": ("Changes are announced through: {text}", "고지 방법: {text}"),
    "history.title": ("Amendment history", "개인정보 처리방침 변경 이력"),
    "history.caption": ("Versions of this privacy policy", "개인정보 처리방침의 버전별 시행일"),
    "history.headers": ("Version|Effective date|Summary", "버전|시행일|주요 내용"),
    "history.current": ("Current version", "현행"),
}
