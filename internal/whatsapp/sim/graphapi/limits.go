package graphapi

import "time"

// bucket is a token bucket: size tokens, refilled one per every. Meta's throughput (per number
// per second) and pair rate (a burst of ~45, then one per 6 s) are both this shape.
type bucket struct {
	tokens float64
	size   float64
	every  time.Duration
	last   time.Time
}

func newBucket(size float64, every time.Duration, now time.Time) *bucket {
	return &bucket{tokens: size, size: size, every: every, last: now}
}

// take spends one token if there is one.
func (b *bucket) take(now time.Time) bool {
	b.tokens = min(b.size, b.tokens+float64(now.Sub(b.last))/float64(b.every))
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// admit applies the number's throughput, then the pair rate, then the 24-hour window, in the
// order Meta reports them; it returns the error to answer or nil when the message is accepted.
// Caller holds s.mu.
func (s *Server) admit(number, to string, template bool, now time.Time) *apiError {
	if !s.numberBucket(number, now).take(now) {
		return &errThroughput
	}
	key := number + "\x00" + to
	pb := s.pairs[key]
	if pb == nil {
		pb = newBucket(float64(s.cfg.PairBurst), s.cfg.PairInterval, now)
		s.pairs[key] = pb
	}
	if !pb.take(now) {
		return &errPairRate
	}
	if !template && !s.cfg.AllWindowsOpen {
		wrote, ok := s.windows[to]
		if !ok || now.Sub(wrote) >= 24*time.Hour {
			return &errNoWindow
		}
	}
	return nil
}

// numberBucket is the throughput of a business number, which Meta counts inbound and
// outbound messages against together. Caller holds s.mu.
func (s *Server) numberBucket(number string, now time.Time) *bucket {
	b := s.numbers[number]
	if b == nil {
		b = newBucket(s.cfg.Rate, time.Duration(float64(time.Second)/s.cfg.Rate), now)
		s.numbers[number] = b
	}
	return b
}
