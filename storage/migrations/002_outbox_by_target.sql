-- A channel's history (Store.notices: the web workspace's channels) reads the outbox by target.
CREATE INDEX outbox_by_target ON outbox (target, id);
