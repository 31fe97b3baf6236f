"""The simulated dongle's SIM storage of received messages: ``receive_sms`` is a message
arriving from the network (stored, announced with +CMTI); AT+CMGL/CMGR/CMGD read and delete
them in PDU mode. Mixed into :class:`hardware.modem.simulated.SimulatedModem`, which provides
``inbox``, ``deleted``, ``_cmgf`` and ``_reply``."""

from __future__ import annotations

from hardware.modem.deliver import encode_deliver


class SimInbox:
    def receive_sms(self, sender: str, text: str) -> list[int]:
        """A message from ``sender`` arrives: stored on the SIM, announced with +CMTI as a
        dongle does with AT+CNMI=2,1. Returns the storage indexes (one per part)."""
        self._next_concat = (self._next_concat + 1) % 256
        indexes = []
        for pdu in encode_deliver(sender, text, reference=self._next_concat):
            self._next_index += 1
            self.inbox[self._next_index] = [pdu, False]
            indexes.append(self._next_index)
            self._reply(f'+CMTI: "SM",{self._next_index}')
        return indexes

    def _storage(self, up: str) -> None:
        """AT+CMGL=<stat> / AT+CMGR=<index> / AT+CMGD=<index>[,<flag>] in PDU mode."""
        if self._cmgf != 0:
            self._reply("+CMS ERROR: 302")
            return
        try:
            arg = up.split("=", 1)[1].split(",")[0] if "=" in up else "4"
            number = int(arg)
        except ValueError:
            self._reply("+CMS ERROR: 304")
            return
        if up.startswith("AT+CMGD="):
            if self.inbox.pop(number, None) is not None:
                self.deleted.append(number)
            self._reply("OK")
            return
        if up.startswith("AT+CMGR="):
            wanted = [number] if number in self.inbox else []
            if not wanted:
                self._reply("+CMS ERROR: 321")  # invalid memory index
                return
        else:
            wanted = [i for i, (_pdu, read) in sorted(self.inbox.items())
                      if number == 4 or (number == 0 and not read) or (number == 1 and read)]
        lines = []
        for i in wanted:
            pdu, read = self.inbox[i]
            octets = len(pdu) // 2 - 1 - int(pdu[:2], 16)
            head = f"+CMGL: {i},{1 if read else 0},,{octets}" if up.startswith("AT+CMGL") else \
                f"+CMGR: {1 if read else 0},,{octets}"
            lines += [head, pdu]
            self.inbox[i][1] = True
        self._reply(*lines, "OK")

