-- 003: who holds an item is versioned apart from what it answers.
--
-- Claiming bumped the item's version, so a click on a card shown before the claim was refused
-- as stale although nothing it answers had changed. Claim checks and bumps holder_version;
-- every other action checks version.
ALTER TABLE item_states ADD COLUMN holder_version INTEGER NOT NULL DEFAULT 1;
