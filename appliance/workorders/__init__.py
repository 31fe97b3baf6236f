"""Work orders (工单): the one model for everything someone must act on. See service.py for
the API other features call, states.py for the state machine, payload.py for what syncs."""
