"""Every translatable text of the TRM measure catalogue, for makemessages. GENERATED.

Do not edit: change measures_v<N>.json, then regenerate this file with

    python -m opentrm.catalogue

opentrm/cases/tests/test_catalogue.py fails while this file is out of date.
"""

# ruff: noqa: E501

from django.utils.translation import gettext_noop

STRINGS: tuple[str, ...] = (
    # Translators: name of the TRM procedure sop1.
    gettext_noop("Identification"),
    # Translators: name of the TRM measure sop1.initial_referral.
    gettext_noop("Initial referral"),
    # Translators: WHAT guidance of the TRM measure sop1.initial_referral.
    gettext_noop(
        "Refer the presumed trafficked person to the First Point of Notification, the central point of information, referral and initial support, which nominates the case manager."
    ),
    # Translators: WHEN guidance of the TRM measure sop1.initial_referral.
    gettext_noop(
        "As soon as circumstances suggest that the person may have been trafficked. Law enforcement contacts the NGO partner immediately after the first questioning, whether or not the person faces danger; child victims are referred expeditiously."
    ),
    # Translators: WHO guidance of the TRM measure sop1.initial_referral.
    gettext_noop(
        "Any government institution or law-enforcement unit, local or international NGO, or citizen may refer. Border and local police pre-screen and refer to the central First Point of Notification; labour inspectors notify the organised crime police."
    ),
    # Translators: HOW guidance of the TRM measure sop1.initial_referral.
    gettext_noop(
        "Start with an initial screening, then analyse each part of the case to find which other agencies may be involved, including in the countries of origin, transit and destination. Record who referred the person, through which channel, when, to whom, and the countries involved."
    ),
    # Translators: name of the TRM measure sop1.basic_needs_information.
    gettext_noop("Access to basic needs and information"),
    # Translators: WHAT guidance of the TRM measure sop1.basic_needs_information.
    gettext_noop(
        "Meet the person's immediate needs and tell them which support services they can use. Every victim is entitled to medical, psychological and legal assistance; legal aid and treatment for injuries caused by the trafficking are free."
    ),
    # Translators: WHEN guidance of the TRM measure sop1.basic_needs_information.
    gettext_noop(
        "From the first contact, without waiting for formal identification: presumed victims are entitled to the same treatment as identified victims from the beginning of the identification process."
    ),
    # Translators: WHO guidance of the TRM measure sop1.basic_needs_information.
    gettext_noop(
        "Law enforcement informs the person of the support services. The First Point of Notification and service providers (shelters, social services, health professionals from NGOs, IOs and government bodies) meet the needs."
    ),
    # Translators: HOW guidance of the TRM measure sop1.basic_needs_information.
    gettext_noop(
        "Check and record each basic need: accommodation, medical examination and assistance, psychological or psycho-social support, language interpretation, contact with family or significant others, a legal adviser, and a guardian for a child."
    ),
    # Translators: name of the TRM measure sop1.early_risk_assessment.
    gettext_noop("Early risk assessment"),
    # Translators: WHAT guidance of the TRM measure sop1.early_risk_assessment.
    gettext_noop(
        "Identify and assess the risks to the safety of the person and of other relevant persons, in the countries of destination, transit and origin, and take the first protective steps."
    ),
    # Translators: WHEN guidance of the TRM measure sop1.early_risk_assessment.
    gettext_noop(
        "Early in the case, before assistance is planned. If there are reasonable grounds to believe that the person's life, freedom or physical integrity is in immediate danger in another country, transmit the information to that country promptly."
    ),
    # Translators: WHO guidance of the TRM measure sop1.early_risk_assessment.
    gettext_noop(
        "Law enforcement, which bears ultimate responsibility for the victim's safety, with the case manager and the service providers; the competent authorities of the other country when the danger lies there."
    ),
    # Translators: HOW guidance of the TRM measure sop1.early_risk_assessment.
    gettext_noop(
        "Follow the formal risk-assessment procedure of the national SOPs; the TRM sources do not prescribe the method. Send any cross-border danger alert promptly and accurately, and record what was sent, to whom and when."
    ),
    # Translators: name of the TRM measure sop1.interpretation_mediation.
    gettext_noop("Language interpretation and cultural mediation"),
    # Translators: WHAT guidance of the TRM measure sop1.interpretation_mediation.
    gettext_noop(
        "Make sure the person understands and is understood in a language they speak, through an interpreter and, where useful, a cultural mediator who bridges the person's needs and the response of public services and NGOs."
    ),
    # Translators: WHEN guidance of the TRM measure sop1.interpretation_mediation.
    gettext_noop(
        "Whenever the person does not speak the language of the agency: at first contact, during the reflection period, and in later assistance and proceedings."
    ),
    # Translators: WHO guidance of the TRM measure sop1.interpretation_mediation.
    gettext_noop(
        "Interpreters and cultural mediators, named on the case for each country. Cultural mediators work with neutrality, professional secrecy and equidistance."
    ),
    # Translators: HOW guidance of the TRM measure sop1.interpretation_mediation.
    gettext_noop(
        "Record the languages the person speaks. Give each interpreter or mediator only what the task needs, under a duty of confidentiality; with a child, keep in mind that an interpreter's presence can confuse the child and risk leaks."
    ),
    # Translators: name of the TRM measure sop1.reflection_period.
    gettext_noop("Recovery and reflection period"),
    # Translators: WHAT guidance of the TRM measure sop1.reflection_period.
    gettext_noop(
        "Grant a recovery and reflection period during which the person receives services: accommodation and food, psychological and social counselling, social and health services, education and job placement, free legal aid, intercultural mediation, and help to return if wished."
    ),
    # Translators: WHEN guidance of the TRM measure sop1.reflection_period.
    gettext_noop(
        "30 days under the Council of Europe Convention of 2005; national law may give a longer period. Where the person is in another country, transmit the information needed there to grant the period and a residence permit."
    ),
    # Translators: WHO guidance of the TRM measure sop1.reflection_period.
    gettext_noop(
        "Not specified in the TRM sources; set by national SOPs. The case manager coordinates the services given during the period."
    ),
    # Translators: HOW guidance of the TRM measure sop1.reflection_period.
    gettext_noop(
        "Record whether a reflection period was provided, with its start and end dates (by default the end is 30 days after the start, adjustable to national law), and follow up before it ends."
    ),
    # Translators: name of the TRM measure sop1.formal_identification.
    gettext_noop("(Formal) Identification"),
    # Translators: WHAT guidance of the TRM measure sop1.formal_identification.
    gettext_noop(
        "Decide formally whether the person is a victim of trafficking. Presumed victims keep the same treatment as identified victims, and a person may decline formal identification."
    ),
    # Translators: WHEN guidance of the TRM measure sop1.formal_identification.
    gettext_noop(
        "Whenever circumstances suggest that the person may have been trafficked; the TRM sources set no time limit. A state asked to verify nationality or residence answers without undue or unreasonable delay."
    ),
    # Translators: WHO guidance of the TRM measure sop1.formal_identification.
    gettext_noop(
        "Only the roles that national law authorises, for example police anti-trafficking investigators, prosecutors, victims' advocates and social workers of the centre for social work. Identity is confirmed by the police, an embassy or consulate, or a municipality or civil registry."
    ),
    # Translators: HOW guidance of the TRM measure sop1.formal_identification.
    gettext_noop(
        "Use the national indicators and questionnaires, such as standard lists of direct and indirect indicators. Record who decided, the legal basis, formal or informal, date, country and indicators used, or that the person declined. Many victims, especially in labour cases and children, do not see themselves as victims."
    ),
    # Translators: name of the TRM procedure sop2.
    gettext_noop("First Assistance and Protection"),
    # Translators: name of the TRM measure sop2.assistance_information.
    gettext_noop("Information on assistance options and conditions"),
    # Translators: WHAT guidance of the TRM measure sop2.assistance_information.
    gettext_noop(
        "Explain the assistance available, the institution and its mandate, and the conditions attached, so that any consent the person gives is informed."
    ),
    # Translators: WHEN guidance of the TRM measure sop2.assistance_information.
    gettext_noop(
        "Before the person is asked to accept assistance or to consent to any sharing of their data."
    ),
    # Translators: WHO guidance of the TRM measure sop2.assistance_information.
    gettext_noop(
        "The NGO or service institution receiving the person, with the case manager. Law enforcement tells the person that support services exist."
    ),
    # Translators: HOW guidance of the TRM measure sop2.assistance_information.
    gettext_noop(
        "Give full information on the options, their risks and conditions, in the person's language and in an easily understandable form. Record the date, who informed the person, the language and the format."
    ),
    # Translators: name of the TRM measure sop2.legal_information.
    gettext_noop("Information on legal options and conditions"),
    # Translators: WHAT guidance of the TRM measure sop2.legal_information.
    gettext_noop(
        "Inform the person of their legal options and the conditions attached: the likely course of legal proceedings, a temporary residence permit for those who cooperate, compensation, witness protection and free legal aid."
    ),
    # Translators: WHEN guidance of the TRM measure sop2.legal_information.
    gettext_noop(
        "Early in first assistance, before the person takes decisions that depend on it, such as cooperating with the authorities or applying for a residence permit."
    ),
    # Translators: WHO guidance of the TRM measure sop2.legal_information.
    gettext_noop(
        "The NGO or service institution with a legal adviser; law enforcement when the person considers cooperating with the prosecution."
    ),
    # Translators: HOW guidance of the TRM measure sop2.legal_information.
    gettext_noop(
        "Explain each option and its risks in the person's language and in an easily understandable form. Record the date, who informed the person, the language, and whether a residence permit was obtained or its procedure started."
    ),
    # Translators: name of the TRM measure sop2.intake_needs_assessment.
    gettext_noop("Intake and needs assessment"),
    # Translators: WHAT guidance of the TRM measure sop2.intake_needs_assessment.
    gettext_noop(
        "Take the person into assistance and assess their needs, respecting their rights and giving them power over the decisions that affect their lives."
    ),
    # Translators: guidance given wherever the TRM sources say nothing.
    gettext_noop("Not specified in the TRM sources; set by national SOPs."),
    # Translators: WHO guidance of the TRM measure sop2.intake_needs_assessment.
    gettext_noop(
        "The case manager with the service providers: social workers, psychologists, medical and legal professionals. For a child, the guardian acts as case manager."
    ),
    # Translators: HOW guidance of the TRM measure sop2.intake_needs_assessment.
    gettext_noop(
        "Go through each needs area: accommodation, medical, psychological, family contact, legal, a guardian for a child, and health history (chronic diseases, addiction, prescription medication). Share health details only with those who need to know them."
    ),
    # Translators: name of the TRM measure sop2.assistance_protection.
    gettext_noop("Assistance provision and protection"),
    # Translators: WHAT guidance of the TRM measure sop2.assistance_protection.
    gettext_noop(
        "Provide the assistance and protection the person needs: safe accommodation, medical, psychological and material assistance, legal counselling, help to obtain identity documents, and measures for their physical safety."
    ),
    # Translators: WHEN guidance of the TRM measure sop2.assistance_protection.
    gettext_noop(
        "From the first contact and throughout the case; presumed victims are entitled to it from the beginning of the identification process."
    ),
    # Translators: WHO guidance of the TRM measure sop2.assistance_protection.
    gettext_noop(
        "Shelters and service providers from NGOs, IOs and government bodies, in the countries of destination, transit and origin. Law enforcement bears ultimate responsibility for the victim's safety."
    ),
    # Translators: HOW guidance of the TRM measure sop2.assistance_protection.
    gettext_noop(
        "Choose accommodation suited to the person (for a child, to the child's specific needs) and record the safety measures taken: shelter, victim protection, physical protection, resettlement in a third country. Never let the victim meet a suspect, and do not contradict partner agencies in front of the victim."
    ),
    # Translators: name of the TRM procedure sop3.
    gettext_noop("Longer-Term Assistance and Social Inclusion"),
    # Translators: name of the TRM measure sop3.iap_development.
    gettext_noop("Joint development of the individual assistance plan (IAP)"),
    # Translators: WHAT guidance of the TRM measure sop3.iap_development.
    gettext_noop(
        "Draw up the individual assistance plan: a written agreement in which the goals, activities and services tailored to the person's needs are clearly defined."
    ),
    # Translators: WHO guidance of the TRM measure sop3.iap_development.
    gettext_noop(
        "The case manager and the assisted person together, with a consultative team. For a child, the guardian acts as case manager."
    ),
    # Translators: HOW guidance of the TRM measure sop3.iap_development.
    gettext_noop(
        "Agree each goal, activity and service with the person, with the responsible provider and the dates. Keep every version of the plan and record the person's acknowledgement."
    ),
    # Translators: name of the TRM measure sop3.iap_consent.
    gettext_noop("Consent procedures to implement the IAP"),
    # Translators: WHAT guidance of the TRM measure sop3.iap_consent.
    gettext_noop(
        "Obtain the person's informed consent before the individual assistance plan is put into effect."
    ),
    # Translators: WHEN guidance of the TRM measure sop3.iap_consent.
    gettext_noop(
        "Before any activity of the plan starts. The person may withdraw consent at any time; withdrawal pauses the activities it concerns."
    ),
    # Translators: WHO guidance of the TRM measure sop3.iap_consent.
    gettext_noop(
        "The case manager with the assisted person (for a child, the guardian), and an interpreter where needed."
    ),
    # Translators: HOW guidance of the TRM measure sop3.iap_consent.
    gettext_noop(
        "First explain all the facts, risks and options in the person's language. Record whether consent was given, refused or withdrawn, the date, who took it and the language used."
    ),
    # Translators: name of the TRM measure sop3.social_inclusion.
    gettext_noop("Adjustment and social inclusion"),
    # Translators: WHAT guidance of the TRM measure sop3.social_inclusion.
    gettext_noop(
        "Support the person's social inclusion: access to education, training, employment, accommodation, collective services and health assistance, in the country of origin or of destination."
    ),
    # Translators: WHEN guidance of the TRM measure sop3.social_inclusion.
    gettext_noop(
        "Once the longer-term services are agreed in the individual assistance plan. Inclusion may follow a return, or take place in the destination country as an alternative to return."
    ),
    # Translators: WHO guidance of the TRM measure sop3.social_inclusion.
    gettext_noop(
        "The case manager with the long-term service providers (NGOs, IOs and government social, health, education and employment services) in the country where the person lives."
    ),
    # Translators: HOW guidance of the TRM measure sop3.social_inclusion.
    gettext_noop(
        "Offer and record the long-term services: medical assistance, psychological counselling, education, vocational training, job placement, financial support, housing assistance, language interpretation, family mediation or therapy. A person who is safe and lives independently can follow a non-residential programme that builds on their own network."
    ),
    # Translators: name of the TRM measure sop3.legal_support.
    gettext_noop("Legal support and assistance"),
    # Translators: WHAT guidance of the TRM measure sop3.legal_support.
    gettext_noop(
        "Give the person legal and administrative help: identity documents, appointment of a guardian for a child, a health insurance card, legal counselling and legal representation."
    ),
    # Translators: WHO guidance of the TRM measure sop3.legal_support.
    gettext_noop(
        "Legal advisers and lawyers, providers of free legal aid, and the authorities that issue documents or appoint guardians."
    ),
    # Translators: HOW guidance of the TRM measure sop3.legal_support.
    gettext_noop(
        "Record which items were offered and which the person accepted. Legal aid is free of charge for victims."
    ),
    # Translators: name of the TRM procedure sop4.
    gettext_noop("Return and Social Inclusion"),
    # Translators: name of the TRM measure sop4.informed_decision.
    gettext_noop("Informed decision to return"),
    # Translators: WHAT guidance of the TRM measure sop4.informed_decision.
    gettext_noop(
        "Make sure that any return is the person's own informed decision. Return must be voluntary, assisted, safe and dignified, never a deportation."
    ),
    # Translators: WHEN guidance of the TRM measure sop4.informed_decision.
    gettext_noop(
        "Before any return is organised. When the person decides to return, contact the relevant social agencies and organise the details."
    ),
    # Translators: WHO guidance of the TRM measure sop4.informed_decision.
    gettext_noop(
        "The person, with the case manager and the NGO or service institution that organises the return; for a child, the guardian and the child-welfare authority."
    ),
    # Translators: HOW guidance of the TRM measure sop4.informed_decision.
    gettext_noop(
        "Tell the person about the assistance programmes in the country of origin or a third country and ask whether they wish to join one. Record the consent to return, yes or no, with comments."
    ),
    # Translators: name of the TRM measure sop4.risk_assessment.
    gettext_noop("Risk and social inclusion risk assessment"),
    # Translators: WHAT guidance of the TRM measure sop4.risk_assessment.
    gettext_noop(
        "Assess the risks of return and of social inclusion: safety concerns, who may cause harm, and the risk of re-trafficking (very high, high, medium or low)."
    ),
    # Translators: WHEN guidance of the TRM measure sop4.risk_assessment.
    gettext_noop(
        "Before a return or a family reunification is decided; family reunification only after a thorough risk assessment."
    ),
    # Translators: WHO guidance of the TRM measure sop4.risk_assessment.
    gettext_noop(
        "The case manager with the person, relatives where safe, and the authorities in the country of origin. A socio-economic risk analysis may be requested from the other country by e-mail."
    ),
    # Translators: HOW guidance of the TRM measure sop4.risk_assessment.
    gettext_noop(
        "Record the safety concerns, the risk level and who took part in the assessment. Return a child only where safe return can be guaranteed."
    ),
    # Translators: name of the TRM measure sop4.risk_management_plan.
    gettext_noop("Risk management plan"),
    # Translators: WHAT guidance of the TRM measure sop4.risk_management_plan.
    gettext_noop(
        "Write a plan of the steps and measures that reduce the risks to a minimum and manage the activities planned for the person, such as a voluntary assisted return."
    ),
    # Translators: WHEN guidance of the TRM measure sop4.risk_management_plan.
    gettext_noop(
        "After the risk assessment; review and update the plan regularly for as long as the planned activities last."
    ),
    # Translators: WHO guidance of the TRM measure sop4.risk_management_plan.
    gettext_noop("The case manager and the assisted person together."),
    # Translators: HOW guidance of the TRM measure sop4.risk_management_plan.
    gettext_noop(
        "Record each step, who carries it out and by when, and set review dates so that the plan is revisited with the person."
    ),
    # Translators: name of the TRM measure sop4.family_tracing.
    gettext_noop("Family tracing"),
    # Translators: WHAT guidance of the TRM measure sop4.family_tracing.
    gettext_noop("Find the person's family when they cannot contact or reach them."),
    # Translators: WHEN guidance of the TRM measure sop4.family_tracing.
    gettext_noop(
        "Only if the person wishes to return home and stay with the family; for a child, only when it is in the child's best interests, because the family may be the source of the trafficking. Reunite only after a thorough risk assessment."
    ),
    # Translators: WHO guidance of the TRM measure sop4.family_tracing.
    gettext_noop(
        "The case manager with government bodies and NGOs in the countries concerned; for a child, the guardian."
    ),
    # Translators: HOW guidance of the TRM measure sop4.family_tracing.
    gettext_noop(
        "Ask the other country for a check of the family situation and record the result. Expect obstacles: poor civil registries, unregistered births, outdated addresses, and families afraid of stigma or of the traffickers."
    ),
    # Translators: name of the TRM measure sop4.documentation.
    gettext_noop("Documentation"),
    # Translators: WHAT guidance of the TRM measure sop4.documentation.
    gettext_noop(
        "Obtain the documents the person needs to travel and resume their life: passport, laissez-passer or identity card and, where needed, birth, marriage, school, medical or criminal-record documents."
    ),
    # Translators: WHEN guidance of the TRM measure sop4.documentation.
    gettext_noop(
        "In time for the return, so that the person is not kept in legal limbo while documents are processed."
    ),
    # Translators: WHO guidance of the TRM measure sop4.documentation.
    gettext_noop(
        "Embassies and consulates, civil registries and the police of the country of origin, at the request of the country where the person is."
    ),
    # Translators: HOW guidance of the TRM measure sop4.documentation.
    gettext_noop(
        "Request the documents through the competent authorities and record what was issued. Send the case history with the person, so that they do not arrive without documentation."
    ),
    # Translators: name of the TRM measure sop4.information_sharing.
    gettext_noop(
        "Information sharing between the receiving and the referring organisation and with the assisted person"
    ),
    # Translators: WHAT guidance of the TRM measure sop4.information_sharing.
    gettext_noop(
        "Keep the referring and the receiving organisations informed of each other's actions, and the person informed of what is shared, so that the case continues without gaps after the return."
    ),
    # Translators: WHEN guidance of the TRM measure sop4.information_sharing.
    gettext_noop(
        "In a timely manner: the referring country sends the case information before the return, and the receiving country reports on the assistance given after the return."
    ),
    # Translators: WHO guidance of the TRM measure sop4.information_sharing.
    gettext_noop(
        "The case managers in both countries. The receiving country completes the sections on long-term assistance and proceedings after the return."
    ),
    # Translators: HOW guidance of the TRM measure sop4.information_sharing.
    gettext_noop(
        "Use the transnational referral template. Share personal data only with the person's informed consent, when there is no security problem, and only what the recipient needs to know."
    ),
    # Translators: name of the TRM measure sop4.safe_transport.
    gettext_noop("Safe transport/transfer and arrival assistance"),
    # Translators: WHAT guidance of the TRM measure sop4.safe_transport.
    gettext_noop(
        "Bring the person safely to the country of origin or a third country and make sure they are received on arrival."
    ),
    # Translators: WHEN guidance of the TRM measure sop4.safe_transport.
    gettext_noop(
        "Once the person has consented to return and the travel is planned; for a child, only once the child-welfare authority is satisfied that the return would not put the child in danger. Follow up with visits after a family reunification."
    ),
    # Translators: WHO guidance of the TRM measure sop4.safe_transport.
    gettext_noop(
        "The organisations handling the return in both countries, the escorts, and the receiving person named in the referral template."
    ),
    # Translators: HOW guidance of the TRM measure sop4.safe_transport.
    gettext_noop(
        "Record the date and time of arrival, the means of transport (border crossing point, carrier, number and schedule), escorts, security measures, medical treatment and the receiving person. Safe return should not depend on an organisation's funds."
    ),
    # Translators: name of the TRM procedure sop5.
    gettext_noop("Criminal and Civil Proceedings"),
    # Translators: name of the TRM measure sop5.evidence_gathering.
    gettext_noop("Evidence gathering"),
    # Translators: WHAT guidance of the TRM measure sop5.evidence_gathering.
    gettext_noop(
        "Gather and record the evidence needed to identify and prosecute the perpetrators, at home and, through mutual legal assistance, abroad."
    ),
    # Translators: WHEN guidance of the TRM measure sop5.evidence_gathering.
    gettext_noop(
        "Throughout the investigation, which may be proactive or reactive (built on the victim's evidence), until the criminal process is concluded."
    ),
    # Translators: WHO guidance of the TRM measure sop5.evidence_gathering.
    gettext_noop(
        "Police investigators and prosecutors; abroad, liaison officers and the Ministry of Justice, or a joint investigation team."
    ),
    # Translators: HOW guidance of the TRM measure sop5.evidence_gathering.
    gettext_noop(
        "Send an informal request through the liaison officer first, then a formal letter rogatory through the Ministry of Justice, which authorises use as evidence. Talk to a child only with a guardian or parent present, video-record an interview only with consent, and share interview material on a need-to-know basis."
    ),
    # Translators: name of the TRM measure sop5.witness_support_before_trial.
    gettext_noop("Preparing the victim-witness support before the trial"),
    # Translators: WHAT guidance of the TRM measure sop5.witness_support_before_trial.
    gettext_noop(
        "Prepare the victim-witness for the trial: arrange legal representation and, where needed, witness protection for the person and their family."
    ),
    # Translators: WHEN guidance of the TRM measure sop5.witness_support_before_trial.
    gettext_noop(
        "From the person's decision to cooperate with the prosecution until the trial begins."
    ),
    # Translators: WHO guidance of the TRM measure sop5.witness_support_before_trial.
    gettext_noop(
        "The NGO or service institution, which contacts the police when the person decides to cooperate, with the person's lawyer; the police and prosecutors for protection measures."
    ),
    # Translators: HOW guidance of the TRM measure sop5.witness_support_before_trial.
    gettext_noop(
        "Record whether the police took a statement. Plan how the person will testify, including by video link from another country, and make sure they never meet the suspect."
    ),
    # Translators: name of the TRM measure sop5.witness_support_during_trial.
    gettext_noop("Victim-witness support during the trial"),
    # Translators: WHAT guidance of the TRM measure sop5.witness_support_during_trial.
    gettext_noop("Accompany and protect the victim-witness during the court proceedings."),
    # Translators: WHEN guidance of the TRM measure sop5.witness_support_during_trial.
    gettext_noop("Throughout the court proceedings."),
    # Translators: WHO guidance of the TRM measure sop5.witness_support_during_trial.
    gettext_noop(
        "The person's legal representative and the supporting NGO or service institution; the police and the court for security measures."
    ),
    # Translators: HOW guidance of the TRM measure sop5.witness_support_during_trial.
    gettext_noop(
        "Keep the person away from the suspect, use video testimony where the court allows it, and record whether the person testified in court."
    ),
    # Translators: name of the TRM measure sop5.witness_support_after_trial.
    gettext_noop("Victim-witness support after the trial"),
    # Translators: WHAT guidance of the TRM measure sop5.witness_support_after_trial.
    gettext_noop("Continue to support and protect the victim-witness after the court proceedings."),
    # Translators: WHEN guidance of the TRM measure sop5.witness_support_after_trial.
    gettext_noop(
        "After the hearings and the judgment, until the criminal process is concluded and the person is fully reintegrated into society."
    ),
    # Translators: WHO guidance of the TRM measure sop5.witness_support_after_trial.
    gettext_noop(
        "The person's legal representative and the supporting NGO or service institution; the police for witness protection."
    ),
    # Translators: HOW guidance of the TRM measure sop5.witness_support_after_trial.
    gettext_noop(
        "Record the court decision and the legal status of the victim, and review the safety and witness-protection needs of the person and their family."
    ),
    # Translators: name of the TRM measure sop5.compensation_claims.
    gettext_noop("Support for compensation claims"),
    # Translators: WHAT guidance of the TRM measure sop5.compensation_claims.
    gettext_noop(
        "Help the person claim compensation for material and moral damages (physical and psychological harm, lost wages) from the perpetrators or from the State."
    ),
    # Translators: WHO guidance of the TRM measure sop5.compensation_claims.
    gettext_noop(
        "The person's legal representative or legal adviser, with the supporting NGO; a court or an administrative compensation scheme decides."
    ),
    # Translators: HOW guidance of the TRM measure sop5.compensation_claims.
    gettext_noop(
        "Use the route national law offers: criminal proceedings, a civil action or an administrative scheme. Record whether a claim was filed and whether compensation was obtained."
    ),
)
