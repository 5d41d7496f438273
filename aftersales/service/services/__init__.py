"""Every write to service requests goes through a function here (`<entity>_<verb>`), each of which
checks the state and the actor's permission and appends a `TicketEvent`."""
