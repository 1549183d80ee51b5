"""The Q&A path: the chain (``chain``), evidence selection (``evidence``), what the question asks (``intent``), the
claim check of figures against the asked unit and period (``claims``), and what the chain yields (``results``: typed
events and the typed answer; JSON only at the CLI edge)."""
