"""The offline answer analyzer: Russian and English NLP without any network or hub model.

``OfflineAnalyzer`` (in :mod:`.analyzer`) turns one answer into ``AnswerFacts``. It uses
``razdel`` (sentences, tokens), ``pymorphy3`` (lemmas and tags: places are ``Geox``, people's
names ``Name``/``Surn``/``Patr``), ``number-parser`` (number words) and ``rapidfuzz`` (typo-tolerant
non-answer phrases); the morphology dictionaries load once per process in the background
(:mod:`.resources`). Nothing here is imported by ``import grant_interviewer``.
"""
