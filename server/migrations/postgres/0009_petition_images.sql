-- See migrations/sqlite/0014_petition_images.sql.
CREATE TABLE petition_images (
    petition_id BIGINT  NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL CHECK (kind IN ('hero', 'logo')),
    file_name   TEXT    NOT NULL,
    width       BIGINT  NOT NULL CHECK (width > 0),
    height      BIGINT  NOT NULL CHECK (height > 0),
    bytes       BYTEA   NOT NULL,
    digest      TEXT    NOT NULL,
    stored_at   TEXT    NOT NULL,
    PRIMARY KEY (petition_id, kind)
);
