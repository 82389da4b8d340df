"""Journal posting: proposals become batches, a person approves them, and the posting job
sends each approved batch to the ERP exactly once."""
