-- An organiser's pictures (a petition file's `hero_image` and `logo`), read
-- from beside the petition file when it is loaded, sized and encoded once:
-- the petition page serves them from here, whichever server it is.
-- `file_name` is the file they came from: the page shows a picture only
-- while the petition still names that file.
CREATE TABLE petition_images (
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('hero', 'logo')),
    file_name   TEXT    NOT NULL,
    width       INTEGER NOT NULL CHECK (width > 0),
    height      INTEGER NOT NULL CHECK (height > 0),
    bytes       BLOB    NOT NULL,
    digest      TEXT    NOT NULL,
    stored_at   TEXT    NOT NULL,
    PRIMARY KEY (petition_id, kind)
);
