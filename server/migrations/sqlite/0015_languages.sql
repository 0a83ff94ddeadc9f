-- Languages (issue 14). `signatures.lang`: the language the person saw the
-- form in (a code of lang/*.json), so that their confirmation mail, and the
-- pages its links open, are in it; '' for signatures made before, which get
-- the petition's own language. `outbox.lang`: the language the mail is
-- written in (the signature's, or the /remove page's for a removal link
-- asked for there).
ALTER TABLE signatures ADD COLUMN lang TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN lang TEXT NOT NULL DEFAULT '';
