"""Every translatable text of the transnational referral template. GENERATED.

Do not edit: change annex1_v<N>.json, then regenerate this file with

    python -m opentrm.referrals.template

opentrm/referrals/tests/test_template.py fails while this file is out of date.
"""

# ruff: noqa: E501

from django.utils.translation import gettext_noop

STRINGS: tuple[str, ...] = (
    # Translators: title of the transnational referral template.
    gettext_noop("Template for Transnational Referral"),
    # Translators: chapter header of the referral template.
    gettext_noop("Date and completing institutions"),
    # Translators: chapter consent of the referral template.
    gettext_noop("Consent of the trafficked person"),
    # Translators: chapter 1 of the referral template.
    gettext_noop("General information"),
    # Translators: chapter 2 of the referral template.
    gettext_noop("First assistance received in country of exploitation"),
    # Translators: chapter 3 of the referral template.
    gettext_noop("Short outline of assistance needs in country of origin or in a third country"),
    # Translators: chapter 4 of the referral template.
    gettext_noop("Perspective of the victim"),
    # Translators: chapter 5 of the referral template.
    gettext_noop("Information on return / travel data"),
    # Translators: chapter 6 of the referral template.
    gettext_noop("Long-term assistance offered in country of origin or third country"),
    # Translators: chapter 7 of the referral template.
    gettext_noop("Civil and criminal proceedings"),
    # Translators: chapter 8 of the referral template.
    gettext_noop("Contacts in country of exploitation and origin/third country"),
    # Translators: chapter child of the referral template.
    gettext_noop("Child annex"),
    # Translators: section header of the referral template.
    gettext_noop("Header"),
    # Translators: field header.date of the referral template.
    gettext_noop("Date"),
    # Translators: field header.institution_exploitation of the referral template.
    gettext_noop("Institution/organisation completing the template in the country of exploitation"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Name of the institution/organisation"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Contact person(s)"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Address"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Telephone"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Fax"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Mobile"),
    # Translators: a contact detail in the referral template.
    gettext_noop("E-mail"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Skype Id."),
    # Translators: field header.institution_origin of the referral template.
    gettext_noop("Institution/organisation completing the template in the country of origin"),
    # Translators: section consent of the referral template.
    gettext_noop("Consent items"),
    # Translators: field consent.data_sharing of the referral template.
    gettext_noop(
        "Victim's consent for data to be shared between country of exploitation and country of origin"
    ),
    # Translators: field consent.data_sharing_comments of the referral template.
    gettext_noop("Comments on the consent for data sharing"),
    # Translators: field consent.return of the referral template.
    gettext_noop("Victim's consent to return to country of origin/third country"),
    # Translators: field consent.return_comments of the referral template.
    gettext_noop("Comments on the consent to return"),
    # Translators: section s1_1 of the referral template.
    gettext_noop("Personal information"),
    # Translators: field s1_1.name of the referral template.
    gettext_noop("Name of the trafficked person (incl. any previous names, nicknames etc.)"),
    # Translators: field s1_1.sex of the referral template.
    gettext_noop("Sex"),
    # Translators: an option of the template field s1_1.sex.
    gettext_noop("Male"),
    # Translators: an option of the template field s1_1.sex.
    gettext_noop("Female"),
    # Translators: an option of the template field s1_1.sex.
    gettext_noop("Other"),
    # Translators: field s1_1.place_of_birth of the referral template.
    gettext_noop("Place of birth"),
    # Translators: field s1_1.date_of_birth of the referral template.
    gettext_noop("Date of birth"),
    # Translators: field s1_1.age of the referral template.
    gettext_noop("Age (if unknown, provide an estimate)"),
    # Translators: an option of the template field s1_1.age.
    gettext_noop("Under 18"),
    # Translators: an option of the template field s1_1.age.
    gettext_noop("Over 18"),
    # Translators: field s1_1.address of the referral template.
    gettext_noop("Address of residence"),
    # Translators: field s1_1.residence_country of the referral template.
    gettext_noop("Country of residence"),
    # Translators: field s1_1.citizenship of the referral template.
    gettext_noop("Citizenship"),
    # Translators: field s1_1.marital_status of the referral template.
    gettext_noop("Marital status"),
    # Translators: an option of the template field s1_1.marital_status.
    gettext_noop("Single"),
    # Translators: an option of the template field s1_1.marital_status.
    gettext_noop("Married"),
    # Translators: an option of the template field s1_1.marital_status.
    gettext_noop("Divorced"),
    # Translators: an option of the template field s1_1.marital_status.
    gettext_noop("Widow/widower"),
    # Translators: an option of the template field s1_1.marital_status.
    gettext_noop("Partnership"),
    # Translators: field s1_1.travel_document of the referral template.
    gettext_noop("In possession of valid travel document"),
    # Translators: field s1_1.travel_document_type of the referral template.
    gettext_noop("Type of travel document"),
    # Translators: an option of the template field s1_1.travel_document_type.
    gettext_noop("Passport"),
    # Translators: an option of the template field s1_1.travel_document_type.
    gettext_noop("Laissez passer"),
    # Translators: an option of the template field s1_1.travel_document_type.
    gettext_noop("Identity card"),
    # Translators: field s1_1.travel_document_comments of the referral template.
    gettext_noop("Comments on the travel document"),
    # Translators: field s1_1.identity_confirmed of the referral template.
    gettext_noop("Identity confirmed?"),
    # Translators: field s1_1.identity_confirmed_by of the referral template.
    gettext_noop("If yes, by whom"),
    # Translators: an option of the template field s1_1.identity_confirmed_by.
    gettext_noop("Police"),
    # Translators: an option of the template field s1_1.identity_confirmed_by.
    gettext_noop("Embassy or Consular Representation"),
    # Translators: an option of the template field s1_1.identity_confirmed_by.
    gettext_noop("Local Municipality/Civil Registry"),
    # Translators: field s1_1.identity_comments of the referral template.
    gettext_noop("Comments on the identity"),
    # Translators: field s1_1.children_to_be_returned of the referral template.
    gettext_noop("Children to be returned (if yes, see the child annex)"),
    # Translators: field s1_1.languages of the referral template.
    gettext_noop("Language(s) spoken by the trafficked person"),
    # Translators: field s1_1.reflection_period of the referral template.
    gettext_noop("Reflection period provided"),
    # Translators: field s1_1.reflection_start of the referral template.
    gettext_noop("Reflection period: start date"),
    # Translators: field s1_1.reflection_end of the referral template.
    gettext_noop("Reflection period: end date"),
    # Translators: section s1_2 of the referral template.
    gettext_noop("Case information"),
    # Translators: field s1_2.exploitation_type of the referral template.
    gettext_noop("Type of exploitation"),
    # Translators: an option of the template field s1_2.exploitation_type.
    gettext_noop("Sexual exploitation"),
    # Translators: an option of the template field s1_2.exploitation_type.
    gettext_noop("Labour exploitation"),
    # Translators: an option of the template field s1_2.exploitation_type.
    gettext_noop("Begging"),
    # Translators: an option of the template field s1_2.exploitation_type.
    gettext_noop("Removal of organs"),
    # Translators: an option of the template field s1_2.exploitation_type.
    gettext_noop("Adoption"),
    # Translators: an option of the template field s1_2.exploitation_type.
    gettext_noop("Delinquency"),
    # Translators: field s1_2.exploitation_comments of the referral template.
    gettext_noop("Comments on the type of exploitation"),
    # Translators: field s1_2.recruitment_means of the referral template.
    gettext_noop("Means of recruitment"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Via personal contact"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Via advertisement"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Via travel agency"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Via employment agency"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Via family member"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Abduction/force"),
    # Translators: an option of the template field s1_2.recruitment_means.
    gettext_noop("Unknown"),
    # Translators: field s1_2.recruitment_comments of the referral template.
    gettext_noop("Comments on the means of recruitment"),
    # Translators: field s1_2.country_recruitment of the referral template.
    gettext_noop("Country of recruitment"),
    # Translators: field s1_2.countries_transit of the referral template.
    gettext_noop("Country/ies transited during the travel"),
    # Translators: field s1_2.countries_exploitation of the referral template.
    gettext_noop("Country/ies of exploitation"),
    # Translators: field s1_2.exploitation_began of the referral template.
    gettext_noop("Date when trafficking exploitation began"),
    # Translators: field s1_2.exploitation_ended of the referral template.
    gettext_noop("Date exited trafficking/exploitation"),
    # Translators: field s1_2.country_identification of the referral template.
    gettext_noop("Country of identification"),
    # Translators: field s1_2.formal_identification of the referral template.
    gettext_noop("Formal identification"),
    # Translators: field s1_2.identification_date of the referral template.
    gettext_noop("Date of identification"),
    # Translators: field s1_2.previously_trafficked of the referral template.
    gettext_noop("Person trafficked previously"),
    # Translators: field s1_2.countries_previous of the referral template.
    gettext_noop("Country/ies of previous exploitation"),
    # Translators: section s2_1 of the referral template.
    gettext_noop("Basic needs"),
    # Translators: field s2_1.needs of the referral template.
    gettext_noop("Basic needs met"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Accommodation"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Medical examination/assistance/evaluation"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Psychological counselling/psycho-social support"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Language interpretation"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Established contact with family or significant others"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Legal adviser appointed"),
    # Translators: an option of the template field s2_1.needs.
    gettext_noop("Guardian appointed"),
    # Translators: field s2_1.comments of the referral template.
    gettext_noop("Comments on basic needs"),
    # Translators: section s2_2 of the referral template.
    gettext_noop("Legal assistance"),
    # Translators: field s2_2.residence_permit of the referral template.
    gettext_noop("Temporary residence permit obtained"),
    # Translators: an option of the template field s2_2.residence_permit.
    gettext_noop("Yes"),
    # Translators: an option of the template field s2_2.residence_permit.
    gettext_noop("No"),
    # Translators: an option of the template field s2_2.residence_permit.
    gettext_noop("Procedure started"),
    # Translators: field s2_2.legal_representative of the referral template.
    gettext_noop("Legal representative provided"),
    # Translators: field s2_2.other_procedures of the referral template.
    gettext_noop("Other procedure(s) initiated (please specify)"),
    # Translators: section s2_3 of the referral template.
    gettext_noop("Protection"),
    # Translators: field s2_3.safety_measures of the referral template.
    gettext_noop("Safety measures provided"),
    # Translators: an option of the template field s2_3.safety_measures.
    gettext_noop("Accommodation in shelter"),
    # Translators: an option of the template field s2_3.safety_measures.
    gettext_noop("Victim protection"),
    # Translators: an option of the template field s2_3.safety_measures.
    gettext_noop("Physical protection"),
    # Translators: an option of the template field s2_3.safety_measures.
    gettext_noop("Resettlement in third country"),
    # Translators: section s3_1 of the referral template.
    gettext_noop("Basic needs in country of origin"),
    # Translators: field s3_1.accommodation of the referral template.
    gettext_noop("Accommodation in country of origin"),
    # Translators: an option of the template field s3_1.accommodation.
    gettext_noop("Shelter"),
    # Translators: an option of the template field s3_1.accommodation.
    gettext_noop("Own family"),
    # Translators: an option of the template field s3_1.accommodation.
    gettext_noop("Alternative accommodation"),
    # Translators: field s3_1.needs of the referral template.
    gettext_noop("Assistance needed"),
    # Translators: an option of the template field s3_1.needs.
    gettext_noop("To establish contact with family or significant others"),
    # Translators: an option of the template field s3_1.needs.
    gettext_noop("Legal adviser"),
    # Translators: an option of the template field s3_1.needs.
    gettext_noop("Guardian"),
    # Translators: field s3_1.other_assistance of the referral template.
    gettext_noop("Other assistance"),
    # Translators: section s3_2 of the referral template.
    gettext_noop("Health"),
    # Translators: field s3_2.medical_history of the referral template.
    gettext_noop("Medical history"),
    # Translators: field s3_2.chronic_diseases of the referral template.
    gettext_noop("Chronic diseases"),
    # Translators: field s3_2.addiction of the referral template.
    gettext_noop("Addiction"),
    # Translators: field s3_2.medication of the referral template.
    gettext_noop("Prescription medication(s)"),
    # Translators: field s3_2.comments of the referral template.
    gettext_noop("Comments on health"),
    # Translators: section s3_3 of the referral template.
    gettext_noop("Safety concerns"),
    # Translators: field s3_3.risk_assessment of the referral template.
    gettext_noop("Risk assessment"),
    # Translators: field s3_3.harm_sources of the referral template.
    gettext_noop("Individuals who may cause harm"),
    # Translators: an option of the template field s3_3.harm_sources.
    gettext_noop("Family member"),
    # Translators: an option of the template field s3_3.harm_sources.
    gettext_noop("Partner"),
    # Translators: an option of the template field s3_3.harm_sources.
    gettext_noop("Friend"),
    # Translators: an option of the template field s3_3.harm_sources.
    gettext_noop("Member of the community"),
    # Translators: field s3_3.unsafe_locations of the referral template.
    gettext_noop("Location that may not be safe"),
    # Translators: field s3_3.comments of the referral template.
    gettext_noop("Comments on safety concerns"),
    # Translators: section s3_4 of the referral template.
    gettext_noop("Risk of re-trafficking"),
    # Translators: an option of the template field s3_4.risk_level.
    gettext_noop("Very high"),
    # Translators: an option of the template field s3_4.risk_level.
    gettext_noop("High"),
    # Translators: an option of the template field s3_4.risk_level.
    gettext_noop("Medium"),
    # Translators: an option of the template field s3_4.risk_level.
    gettext_noop("Low"),
    # Translators: field s3_4.assessment_done of the referral template.
    gettext_noop("Risk assessment carried out"),
    # Translators: field s3_4.assessment_partners of the referral template.
    gettext_noop("If yes, in cooperation with"),
    # Translators: an option of the template field s3_4.assessment_partners.
    gettext_noop("Trafficked person"),
    # Translators: an option of the template field s3_4.assessment_partners.
    gettext_noop("Relatives"),
    # Translators: an option of the template field s3_4.assessment_partners.
    gettext_noop("Authorities in country of origin"),
    # Translators: field s3_4.comments of the referral template.
    gettext_noop("Comments on the risk of re-trafficking"),
    # Translators: field s4.wishes_assistance of the referral template.
    gettext_noop("Wishing to enter assistance program in country of origin or third country"),
    # Translators: field s4.information_received of the referral template.
    gettext_noop(
        "Information on assistance program in country of origin or third country received"
    ),
    # Translators: section s5 of the referral template.
    gettext_noop("Return and travel data"),
    # Translators: field s5.arrival of the referral template.
    gettext_noop("Date and time of arrival in country of origin or third country"),
    # Translators: field s5.transport_air of the referral template.
    gettext_noop(
        "Means of transportation: by air (border crossing point, carrier's name, number and schedule)"
    ),
    # Translators: field s5.transport_land of the referral template.
    gettext_noop(
        "Means of transportation: by land (border crossing point, carrier's name, number and schedule)"
    ),
    # Translators: field s5.transport_sea of the referral template.
    gettext_noop(
        "Means of transportation: by sea (border crossing point, carrier's name, number and schedule)"
    ),
    # Translators: field s5.escorts of the referral template.
    gettext_noop("Name and contact details of escort(s)"),
    # Translators: field s5.security_measures of the referral template.
    gettext_noop("Security measures"),
    # Translators: field s5.medical_treatment of the referral template.
    gettext_noop("Medical treatment"),
    # Translators: field s5.receiving_person of the referral template.
    gettext_noop("Name and contact details of the receiving person"),
    # Translators: section s6_1 of the referral template.
    gettext_noop("Basic needs after return"),
    # Translators: field s6_1.accommodation_other of the referral template.
    gettext_noop("Other accommodation"),
    # Translators: field s6_1.comments of the referral template.
    gettext_noop("Comments on basic needs after return"),
    # Translators: section s6_2 of the referral template.
    gettext_noop("Long-term assistance and social inclusion measures"),
    # Translators: field s6_2.long_term_medical of the referral template.
    gettext_noop("Long-term medical assistance"),
    # Translators: field s6_2.psychological_counselling of the referral template.
    gettext_noop("Psychological counselling"),
    # Translators: field s6_2.education of the referral template.
    gettext_noop("Education"),
    # Translators: field s6_2.vocational_training of the referral template.
    gettext_noop("Vocational training"),
    # Translators: field s6_2.job_placement of the referral template.
    gettext_noop("Job placement assistance"),
    # Translators: field s6_2.financial_support of the referral template.
    gettext_noop("Financial support"),
    # Translators: field s6_2.housing of the referral template.
    gettext_noop("Housing subsidy/assistance"),
    # Translators: field s6_2.family_mediation of the referral template.
    gettext_noop("Family mediation"),
    # Translators: field s6_2.family_therapy of the referral template.
    gettext_noop("Family therapy/consulting"),
    # Translators: field s6_2.comments of the referral template.
    gettext_noop("Comments on long-term assistance"),
    # Translators: field s6_2.family_contact of the referral template.
    gettext_noop("Trafficked person in regular contact with family"),
    # Translators: field s6_2.family_contact_comments of the referral template.
    gettext_noop("Comments on the contact with family"),
    # Translators: section s6_3 of the referral template.
    gettext_noop("Legal and administrative assistance"),
    # Translators: an option of the template field s6_3.legal_admin.
    gettext_noop("Issuing identity documents"),
    # Translators: an option of the template field s6_3.legal_admin.
    gettext_noop("Appointment of a guardian"),
    # Translators: an option of the template field s6_3.legal_admin.
    gettext_noop("Issuing of a health insurance card"),
    # Translators: an option of the template field s6_3.legal_admin.
    gettext_noop("Legal counselling"),
    # Translators: an option of the template field s6_3.legal_admin.
    gettext_noop("Legal representation"),
    # Translators: section s6_4 of the referral template.
    gettext_noop("Protection after return"),
    # Translators: field s6_4.safety_measures of the referral template.
    gettext_noop("Safety measures applied"),
    # Translators: section s7_1 of the referral template.
    gettext_noop("Proceedings in country of exploitation"),
    # Translators: field s7_1.case_initiated of the referral template.
    gettext_noop("Case initiated"),
    # Translators: field s7_1.proceeding_types of the referral template.
    gettext_noop("Civil or criminal proceedings"),
    # Translators: an option of the template field s7_1.proceeding_types.
    gettext_noop("Civil proceedings"),
    # Translators: an option of the template field s7_1.proceeding_types.
    gettext_noop("Criminal proceedings"),
    # Translators: field s7_1.statement_taken of the referral template.
    gettext_noop("Trafficked person's statement taken by the police"),
    # Translators: field s7_1.testified of the referral template.
    gettext_noop("Trafficked person testified in court"),
    # Translators: field s7_1.compensation_claimed of the referral template.
    gettext_noop("Compensation claim filed by trafficked person"),
    # Translators: field s7_1.compensation_obtained of the referral template.
    gettext_noop("Compensation obtained by trafficked person"),
    # Translators: field s7_1.court_decision of the referral template.
    gettext_noop("Court decision"),
    # Translators: an option of the template field s7_1.court_decision.
    gettext_noop("Trafficker sentenced"),
    # Translators: an option of the template field s7_1.court_decision.
    gettext_noop("Trafficker released"),
    # Translators: an option of the template field s7_1.court_decision.
    gettext_noop("Proceedings underway"),
    # Translators: field s7_1.legal_status of the referral template.
    gettext_noop("Legal status of the victim"),
    # Translators: field s7_1.comments of the referral template.
    gettext_noop("Comments on the proceedings in country of exploitation"),
    # Translators: section s7_2 of the referral template.
    gettext_noop("Proceedings in country of origin"),
    # Translators: field s7_2.case_initiated of the referral template.
    gettext_noop("Case initiated in country of origin"),
    # Translators: field s7_2.statement_taken of the referral template.
    gettext_noop("Statement taken by the police in country of origin"),
    # Translators: field s7_2.testified of the referral template.
    gettext_noop("Testified in court in country of origin"),
    # Translators: field s7_2.compensation_claimed of the referral template.
    gettext_noop("Compensation claim filed in country of origin"),
    # Translators: field s7_2.compensation_obtained of the referral template.
    gettext_noop("Compensation obtained in country of origin"),
    # Translators: field s7_2.court_decision of the referral template.
    gettext_noop("Court decision in country of origin"),
    # Translators: section s8 of the referral template.
    gettext_noop("Contacts"),
    # Translators: field s8.identification.exploitation of the referral template.
    gettext_noop("Identification: country of exploitation"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Responsible body"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Responsible person"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Name"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Title"),
    # Translators: field s8.identification.origin of the referral template.
    gettext_noop("Identification: country of origin"),
    # Translators: field s8.first_assistance.exploitation of the referral template.
    gettext_noop("First Assistance and Protection: country of exploitation"),
    # Translators: field s8.first_assistance.origin of the referral template.
    gettext_noop("First Assistance and Protection: country of origin"),
    # Translators: field s8.long_term.exploitation of the referral template.
    gettext_noop("Long term assistance and social inclusion: country of exploitation"),
    # Translators: field s8.long_term.origin of the referral template.
    gettext_noop("Long term assistance and social inclusion: country of origin"),
    # Translators: field s8.return.exploitation of the referral template.
    gettext_noop("Return: country of exploitation"),
    # Translators: field s8.return.origin of the referral template.
    gettext_noop("Return: country of origin"),
    # Translators: field s8.proceedings.exploitation of the referral template.
    gettext_noop("Criminal and civil proceedings: country of exploitation"),
    # Translators: field s8.proceedings.origin of the referral template.
    gettext_noop("Criminal and civil proceedings: country of origin"),
    # Translators: field s8.interpretation.exploitation of the referral template.
    gettext_noop("Interpretation: country of exploitation"),
    # Translators: a contact detail in the referral template.
    gettext_noop("Name of interpreter"),
    # Translators: field s8.interpretation.origin of the referral template.
    gettext_noop("Interpretation: country of origin"),
    # Translators: field child.guardian_appointed_on of the referral template.
    gettext_noop("Date the guardian was appointed"),
    # Translators: field child.liaison_officer of the referral template.
    gettext_noop("Interior-Ministry liaison officer"),
    # Translators: field child.best_interests_determined_on of the referral template.
    gettext_noop("Date of the best-interests determination"),
    # Translators: field child.best_interests_summary of the referral template.
    gettext_noop("Best-interests determination"),
    # Translators: field child.family_tracing of the referral template.
    gettext_noop("Family tracing is in the child's best interests"),
    # Translators: field child.welfare_clearance_on of the referral template.
    gettext_noop("Date of the child-welfare safety clearance for return"),
    # Translators: field child.welfare_clearance_by of the referral template.
    gettext_noop("Child-welfare authority that gave the clearance"),
    # Translators: field child.asylum_indicated of the referral template.
    gettext_noop("The child requested or indicated asylum"),
    # Translators: field child.asylum_indicated_on of the referral template.
    gettext_noop("Date asylum was requested or indicated"),
)
