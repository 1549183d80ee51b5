"""Chinese text rules, one home each: sentences (:mod:`.sentences`), figures, masks and measure words
(:mod:`.figures`), numerals (:mod:`.numerals`, by cn2an), words (:mod:`.tokens`, by jieba) and the domain's word
tables as data (:mod:`.lexicons`, lexicons.toml).  Used by ingest, the index, the guards, drafting and the UI alike."""
