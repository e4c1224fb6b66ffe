"""Domain vocabularies as string enums; values are the Indonesian codes stored in the database."""

from __future__ import annotations

from enum import StrEnum


class Eselon(StrEnum):
    I = "I"  # noqa: E741 - the official name of the level
    II = "II"
    III = "III"
    IV = "IV"


class BPKOpinion(StrEnum):
    """Opini BPK on the agency's financial statements."""

    WTP = "WTP"  # Wajar Tanpa Pengecualian (unqualified)
    WDP = "WDP"  # Wajar Dengan Pengecualian (qualified)
    TW = "TW"  # Tidak Wajar (adverse)
    TMP = "TMP"  # Tidak Menyatakan Pendapat (disclaimer)


class AKIPGrade(StrEnum):
    """Nilai AKIP, best first; ``rank`` orders them."""

    AA = "AA"
    A = "A"
    BB = "BB"
    B = "B"
    CC = "CC"
    C = "C"
    D = "D"

    @property
    def rank(self) -> int:
        """Return 0 for AA up to 6 for D (lower is better)."""
        return list(AKIPGrade).index(self)

    def at_least(self, other: AKIPGrade) -> bool:
        """Return whether this grade is as good as ``other`` or better."""
        return self.rank <= other.rank


class ZIStage(StrEnum):
    """Where a unit stands on the road to WBK/WBBM."""

    BELUM = "belum"  # not designated
    CALON = "calon"  # designated candidate, building ZI
    DIUSULKAN = "diusulkan"  # proposal under review
    WBK = "wbk"
    WBBM = "wbbm"
    PEMBINAAN = "pembinaan"  # returned by the review; coaching before a new proposal
    DICABUT = "dicabut"  # predicate revoked


class PredicateKind(StrEnum):
    WBK = "WBK"
    WBBM = "WBBM"


class AssessmentKind(StrEnum):
    MANDIRI = "mandiri"  # self-assessment by the TPI
    REVIU = "reviu"  # the national team's score during a review
    EVALUASI_BERKALA = "evaluasi_berkala"  # periodic evaluation of a held predicate


class ProposalStatus(StrEnum):
    DIAJUKAN = "diajukan"
    MEMENUHI = "memenuhi"  # review passed, awaiting the decree
    DIKEMBALIKAN = "dikembalikan"  # returned for coaching
    DITETAPKAN = "ditetapkan"  # predicate awarded


class ReviewTeam(StrEnum):
    TPI = "TPI"
    TPN = "TPN"


class ReviewOutcome(StrEnum):
    MEMENUHI = "memenuhi"
    TIDAK_MEMENUHI = "tidak_memenuhi"


class PredicateEnd(StrEnum):
    DICABUT = "dicabut"  # revoked
    DITINGKATKAN = "ditingkatkan"  # WBK superseded by WBBM
    BERAKHIR = "berakhir"  # validity ended


class RevocationCause(StrEnum):
    PENGADUAN_INTEGRITAS = "pengaduan_integritas"  # substantiated integrity complaint
    MALADMINISTRASI_BERULANG = "maladministrasi_berulang"
    EVALUASI_BERKALA = "evaluasi_berkala"  # periodic evaluation below thresholds
    PERISTIWA = "peristiwa"  # event reported by an inspector (e.g. an official named a suspect)


class RevocationStatus(StrEnum):
    TERBUKA = "terbuka"
    DICABUT = "dicabut"
    DIPERTAHANKAN = "dipertahankan"


class CoachingReason(StrEnum):
    DIKEMBALIKAN = "dikembalikan"  # after a returned proposal
    PASCA_PENCABUTAN = "pasca_pencabutan"  # after revocation
    RUTIN = "rutin"  # routine, to keep or reach a predicate


class Channel(StrEnum):
    WEB = "web"
    EMAIL = "email"
    TELEGRAM = "telegram"
    API = "api"
    TELEPON = "telepon"
    SURAT = "surat"
    LANGSUNG = "langsung"


class Privacy(StrEnum):
    ANONIM = "anonim"  # identity hidden from everyone but the reporter
    RAHASIA = "rahasia"  # identity for cleared roles only; never public
    TERBUKA = "terbuka"  # may be published without identity


class ComplaintStatus(StrEnum):
    DITERIMA = "diterima"
    VERIFIKASI = "verifikasi"
    TINDAK_LANJUT = "tindak_lanjut"
    PERLU_INFO = "perlu_info"
    SELESAI = "selesai"
    DITERUSKAN = "diteruskan"
    DITOLAK = "ditolak"
    DIGABUNG = "digabung"


class ComplaintOutcome(StrEnum):
    TERBUKTI = "terbukti"
    TIDAK_TERBUKTI = "tidak_terbukti"
    SEBAGIAN = "sebagian"


class Priority(StrEnum):
    RENDAH = "rendah"
    NORMAL = "normal"
    TINGGI = "tinggi"
    MENDESAK = "mendesak"


class MessageKind(StrEnum):
    MASUK = "masuk"  # from the reporter
    BALASAN = "balasan"  # public reply to the reporter
    CATATAN = "catatan"  # internal note, never shown to the reporter


class ReferralBody(StrEnum):
    APIP = "APIP"
    KPK = "KPK"
    OMBUDSMAN = "Ombudsman"
    LAPOR = "LAPOR!"


class Role(StrEnum):
    INSPEKTUR = "inspektur"
    KOORDINATOR = "koordinator"
    ADMIN_ZI = "admin_zi"
    TPI = "tpi"
    TPN = "tpn"


class OutboundChannel(StrEnum):
    EMAIL = "email"
    TELEGRAM = "telegram"


class OutboundStatus(StrEnum):
    MENUNGGU = "menunggu"  # queued
    DIKIRIM = "dikirim"  # sent
    GAGAL = "gagal"  # gave up after the last attempt


class QuarantineStatus(StrEnum):
    DITAHAN = "ditahan"  # held, waiting for a person
    DILEPAS = "dilepas"  # released into a complaint
    DIBUANG = "dibuang"  # discarded (the raw file is kept for the audit trail)


class RuleKind(StrEnum):
    """The kinds of integrity rule the portal knows how to evaluate."""

    PENGADUAN_INTEGRITAS_TERBUKTI = "pengaduan_integritas_terbukti"
    MALADMINISTRASI_BERULANG = "maladministrasi_berulang"
    EVALUASI_DI_BAWAH_AMBANG = "evaluasi_di_bawah_ambang"
    PERISTIWA_DILAPORKAN = "peristiwa_dilaporkan"
