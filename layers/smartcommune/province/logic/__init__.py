"""The province API's rules: SigV4 verification (``sigv4``), who a signed request is and what it may read
(``access``), and the clients' life cycle (``clients``). Pure: every store is a Protocol port."""
