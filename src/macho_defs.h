/* macho_defs.h - Apple constants, under Apple's own names.
 *
 * Sources: xnu EXTERNAL_HEADERS/mach-o/loader.h, mach-o/fat.h, mach-o/nlist.h,
 * mach-o/stab.h, osfmk/mach/machine.h and osfmk/kern/cs_blobs.h; numbers
 * cross-checked in ../shared/reference/macho-signing.md sections 1-2.
 * Only values, no structs: every structure is read field by field through
 * cursor.h at the offsets given in the reference tables.
 */
#ifndef PI_MACHO_DEFS_H
#define PI_MACHO_DEFS_H

/* loader.h: magics as read little-endian from the first 4 bytes */
#define MH_MAGIC 0xfeedfaceu
#define MH_CIGAM 0xcefaedfeu
#define MH_MAGIC_64 0xfeedfacfu
#define MH_CIGAM_64 0xcffaedfeu
/* fat.h: magics as read big-endian */
#define FAT_MAGIC 0xcafebabeu
#define FAT_MAGIC_64 0xcafebabfu

#define MH_HEADER_SIZE_32 28u
#define MH_HEADER_SIZE_64 32u

/* filetypes */
#define MH_OBJECT 0x1u
#define MH_EXECUTE 0x2u
#define MH_DYLIB 0x6u
#define MH_BUNDLE 0x8u

/* header flags */
#define MH_PIE 0x200000u

/* machine.h */
#define CPU_ARCH_ABI64 0x01000000u
#define CPU_ARCH_ABI64_32 0x02000000u
#define CPU_TYPE_X86 7u
#define CPU_TYPE_X86_64 (CPU_TYPE_X86 | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM 12u
#define CPU_TYPE_ARM64 (CPU_TYPE_ARM | CPU_ARCH_ABI64)
#define CPU_TYPE_ARM64_32 (CPU_TYPE_ARM | CPU_ARCH_ABI64_32)
#define CPU_TYPE_POWERPC 18u
#define CPU_SUBTYPE_MASK 0xff000000u
#define CPU_SUBTYPE_ARM64E 2u

/* vm_prot.h */
#define VM_PROT_ALL 0x7u

/* load commands */
#define LC_REQ_DYLD 0x80000000u
#define LC_SEGMENT 0x1u
#define LC_SYMTAB 0x2u
#define LC_DYSYMTAB 0xbu
#define LC_SEGMENT_64 0x19u
#define LC_UUID 0x1bu
#define LC_CODE_SIGNATURE 0x1du
#define LC_ENCRYPTION_INFO 0x21u
#define LC_SOURCE_VERSION 0x2au
#define LC_DATA_IN_CODE 0x29u
#define LC_BUILD_VERSION 0x32u
#define LC_ENCRYPTION_INFO_64 0x2cu
#define LC_UNIXTHREAD 0x5u
#define LC_LOAD_DYLIB 0xcu
#define LC_ID_DYLIB 0xdu
#define LC_SUB_UMBRELLA 0x13u
#define LC_SUB_CLIENT 0x14u
#define LC_SUB_LIBRARY 0x15u
#define LC_LOAD_WEAK_DYLIB (0x18u | LC_REQ_DYLD)
#define LC_RPATH (0x1cu | LC_REQ_DYLD)
#define LC_SEGMENT_SPLIT_INFO 0x1eu
#define LC_REEXPORT_DYLIB (0x1fu | LC_REQ_DYLD)
#define LC_DYLD_INFO 0x22u
#define LC_DYLD_INFO_ONLY (0x22u | LC_REQ_DYLD)
#define LC_LOAD_UPWARD_DYLIB (0x23u | LC_REQ_DYLD)
#define LC_VERSION_MIN_MACOSX 0x24u
#define LC_VERSION_MIN_IPHONEOS 0x25u
#define LC_FUNCTION_STARTS 0x26u
#define LC_MAIN (0x28u | LC_REQ_DYLD)
#define LC_DATA_IN_CODE 0x29u
#define LC_VERSION_MIN_TVOS 0x2fu
#define LC_VERSION_MIN_WATCHOS 0x30u
#define LC_BUILD_VERSION 0x32u
#define LC_DYLD_EXPORTS_TRIE (0x33u | LC_REQ_DYLD)
#define LC_DYLD_CHAINED_FIXUPS (0x34u | LC_REQ_DYLD)
#define LC_FILESET_ENTRY (0x35u | LC_REQ_DYLD)
#define LC_ATOM_INFO 0x36u                /* dyld-1378 mach_o/UnsafeHeader.h */
#define LC_FUNCTION_VARIANTS 0x37u
#define LC_FUNCTION_VARIANT_FIXUPS 0x38u

#define SEGMENT_COMMAND_SIZE_32 56u
#define SEGMENT_COMMAND_SIZE_64 72u
#define SECTION_SIZE_32 68u
#define SECTION_SIZE_64 80u
#define LINKEDIT_DATA_COMMAND_SIZE 16u
#define SOURCE_VERSION_COMMAND_SIZE 16u
#define SYMTAB_COMMAND_SIZE 24u
#define DYSYMTAB_COMMAND_SIZE 80u
#define DYLD_INFO_COMMAND_SIZE 48u
#define VERSION_MIN_COMMAND_SIZE 16u
#define UUID_COMMAND_SIZE 24u
#define BUILD_VERSION_COMMAND_SIZE 24u    /* without its tool entries (ntools at +20) */
#define BUILD_TOOL_VERSION_SIZE 8u        /* each tool entry */
#define ENTRY_POINT_COMMAND_SIZE 24u      /* LC_MAIN */
#define ENCRYPTION_INFO_COMMAND_SIZE 20u
#define ENCRYPTION_INFO_COMMAND_SIZE_64 24u
#define RELOCATION_INFO_SIZE 8u
#define MAXSECTALIGN 15u                  /* cctools: 2^15 is the largest section alignment */
#define NLIST_SIZE_32 12u
#define NLIST_SIZE_64 16u

/* section types (flags & SECTION_TYPE) */
#define SECTION_TYPE 0xffu
#define S_ZEROFILL 0x1u
#define S_GB_ZEROFILL 0xcu
#define S_THREAD_LOCAL_ZEROFILL 0x12u

/* nlist.h / stab.h */
#define N_STAB 0xe0u
#define N_TYPE 0x0eu
#define N_SECT 0xeu
#define N_FUN 0x24u
#define N_STSYM 0x26u
#define N_LCSYM 0x28u
#define N_BNSYM 0x2eu
#define N_SLINE 0x44u
#define N_ENSYM 0x4eu
#define N_SO 0x64u
#define N_SOL 0x84u
#define N_ENTRY 0xa4u
#define N_ECOMM 0xe4u
#define N_ECOML 0xe8u
#define NO_SECT 0u
#define MAX_SECT 255u

/* cs_blobs.h: SuperBlob and blob magics (big-endian) */
#define CSMAGIC_REQUIREMENT 0xfade0c00u
#define CSMAGIC_REQUIREMENTS 0xfade0c01u
#define CSMAGIC_CODEDIRECTORY 0xfade0c02u
#define CSMAGIC_EMBEDDED_SIGNATURE 0xfade0cc0u
#define CSMAGIC_EMBEDDED_ENTITLEMENTS 0xfade7171u
#define CSMAGIC_EMBEDDED_DER_ENTITLEMENTS 0xfade7172u
#define CSMAGIC_EMBEDDED_LAUNCH_CONSTRAINT 0xfade8181u
#define CSMAGIC_BLOBWRAPPER 0xfade0b01u

/* slot types in the SuperBlob index, and special-slot numbers in the CD */
#define CSSLOT_CODEDIRECTORY 0u
#define CSSLOT_INFOSLOT 1u
#define CSSLOT_REQUIREMENTS 2u
#define CSSLOT_RESOURCEDIR 3u
#define CSSLOT_APPLICATION 4u
#define CSSLOT_ENTITLEMENTS 5u
#define CSSLOT_REP_SPECIFIC 6u
#define CSSLOT_DER_ENTITLEMENTS 7u
#define CSSLOT_LAUNCH_CONSTRAINT_SELF 8u
#define CSSLOT_LAUNCH_CONSTRAINT_PARENT 9u
#define CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE 10u
#define CSSLOT_LIBRARY_CONSTRAINT 11u
#define CSSLOT_ALTERNATE_CODEDIRECTORIES 0x1000u
#define CSSLOT_ALTERNATE_CODEDIRECTORY_MAX 5u
#define CSSLOT_SIGNATURESLOT 0x10000u

/* CodeDirectory versions */
#define CS_SUPPORTSSCATTER 0x20100u
#define CS_SUPPORTSTEAMID 0x20200u
#define CS_SUPPORTSCODELIMIT64 0x20300u
#define CS_SUPPORTSEXECSEG 0x20400u
#define CS_SUPPORTSRUNTIME 0x20500u
#define CS_SUPPORTSLINKAGE 0x20600u
#define CS_CD_VERSION_MIN 0x20001u
#define CS_CD_VERSION_MAX 0x2f000u

/* CodeDirectory flags (signable subset) */
#define CS_VALID 0x1u /* a running process's state (xnu cs_blobs.h), never kept in a file */
#define CS_ADHOC 0x2u
#define CS_HARD 0x100u
#define CS_KILL 0x200u
#define CS_CHECK_EXPIRATION 0x400u
#define CS_RESTRICT 0x800u
#define CS_ENFORCEMENT 0x1000u
#define CS_REQUIRE_LV 0x2000u
#define CS_RUNTIME 0x10000u
#define CS_LINKER_SIGNED 0x20000u

/* exec-segment flags */
#define CS_EXECSEG_MAIN_BINARY 0x1u

/* hash types */
#define CS_HASHTYPE_SHA1 1u
#define CS_HASHTYPE_SHA256 2u
#define CS_HASHTYPE_SHA256_TRUNCATED 3u
#define CS_HASHTYPE_SHA384 4u

#endif
