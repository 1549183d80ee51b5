"""The Q&A path: the chain (``chain``), evidence selection (``evidence``), what the question asks (``intent``) and the
claim check of figures against the asked unit and period (``claims``)."""
