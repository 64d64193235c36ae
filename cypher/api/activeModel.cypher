// The served model: the one (:Model {active: true}), with its metadata (metrics and params are JSON strings).
MATCH (m:Model {active: true})
RETURN m.version AS version, m.status AS status, toString(m.trainedAt) AS trainedAt, m.dims AS dims,
       m.userNormExponent AS userNormExponent, m.metrics AS metrics, m.params AS params
ORDER BY m.trainedAt DESC
LIMIT 1
