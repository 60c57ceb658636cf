"""Reports, moderation actions and appeals: every write behind the moderation log.

Each action is one service. It finds its target for the actor (moderation.targets:
what they may not see is not found), checks the rule (moderation.permissions), makes
the change through the service of the app that owns the thing (posts, talk, notes,
wiki, communities, accounts) and writes one ModerationAction line, in one
transaction. Actions that take something away uphold the open reports about their
target (upheld reports count against the member in their trust level); `dismiss`
dismisses them. The member concerned is told by e-mail once the transaction commits,
with a link to appeal where an appeal is possible.

One module per subject: `log` (what every action shares: the rules of input, the log
line, the e-mail), `reports`, `content` (remove, restore, lock, protect), `sanctions`
(bans and suspensions), `reviews` (pending revisions, rollbacks, patrol, and the
logged buttons of other apps' pages), `appeals`, and `actions` (the one door the API
and the queue take, by action name).
"""
