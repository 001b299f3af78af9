"""Generated media: the content-addressed store, live answers, fetching, previews, MP4 facts."""
